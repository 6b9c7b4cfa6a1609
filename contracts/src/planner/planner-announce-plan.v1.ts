import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Id } from '../shared/primitives';

export const PlannerAnnouncePlanV1 = defineMessage({
  kind: 'command',
  service: 'planner',
  name: 'announce_plan',
  version: 1,
  producer: 'manager',
  consumers: ['planner'],
  summary:
    "Announce a plan's current revision again, whole: for a consumer handed a revision as a change to one " +
    'it does not hold (plan.generated or tasks.generated v2).',
  data: Type.Object({
    projectId: Id('Project the plan belongs to'),
    planId: Id('The plan'),
    revision: Type.Integer({
      minimum: 1,
      description: 'The revision the consumer was handed; the current one is announced if it is newer',
    }),
    jobId: Type.Optional(
      Id('The job the revision was announced for: the announcement is correlated with it, as the first was'),
    ),
  }),
});
export type PlannerAnnouncePlanV1 = Static<typeof PlannerAnnouncePlanV1.data>;
