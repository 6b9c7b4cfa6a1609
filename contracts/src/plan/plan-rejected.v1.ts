import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Failure } from '../shared/failure';
import { Id, Timestamp } from '../shared/primitives';

export const PlanRejectedV1 = defineMessage({
  kind: 'event',
  aggregate: 'plan',
  name: 'rejected',
  version: 1,
  producer: 'planner',
  consumers: ['gateway'],
  summary:
    'A blueprint version that cannot be planned (a dependency cycle, a dependency on a missing node): ' +
    'nothing was saved; the blueprint itself must change.',
  data: Type.Object({
    projectId: Id('Project'),
    blueprintId: Id('Blueprint that could not be planned'),
    blueprintVersion: Type.Integer({
      minimum: 1,
      description: 'Blueprint version that could not be planned',
    }),
    error: Failure,
    rejectedAt: Timestamp('When the planner gave up'),
  }),
});
export type PlanRejectedV1 = Static<typeof PlanRejectedV1.data>;
