import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Count, DurationMs, Id, Timestamp } from '../shared/primitives';

export const AutopilotTickedV1 = defineMessage({
  kind: 'event',
  aggregate: 'autopilot',
  name: 'ticked',
  version: 1,
  producer: 'manager',
  consumers: ['gateway'],
  summary: "The manager's reconciliation tick ran: what it dispatched, what it reclaimed, what is in flight.",
  data: Type.Object({
    seq: Type.Integer({ minimum: 1, description: 'Tick number since the manager store was created' }),
    at: Timestamp('When the tick started'),
    durationMs: DurationMs('How long the tick took'),
    dispatchedRunIds: Type.Array(Id('Run'), {
      maxItems: 1000,
      description: 'Runs sent to workers by this tick',
    }),
    expiredRunIds: Type.Array(Id('Run'), {
      maxItems: 1000,
      description: 'Runs whose lease had expired and were made dispatchable again',
    }),
    readyTasks: Count('Tasks ready but not yet dispatched, after the tick'),
    runningRuns: Count('Runs held by workers, after the tick'),
    suspendedRuns: Count('Runs waiting for approval or budget, after the tick'),
  }),
});
export type AutopilotTickedV1 = Static<typeof AutopilotTickedV1.data>;
