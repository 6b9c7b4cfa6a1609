import { AutopilotTickedV1, buildEnvelope, type Envelope } from '@autopilot/contracts';
import { ulidSource } from '@autopilot/kernel';

/**
 * The event the runtime's tests send around: a real contract (`autopilot.ticked`), so it passes the
 * relay's and the bus's validation. Not exported from the package.
 */
export function tickPayload(seq: number): AutopilotTickedV1 {
  return {
    seq,
    at: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    dispatchedRunIds: [],
    expiredRunIds: [],
    readyTasks: 0,
    runningRuns: 0,
    suspendedRuns: 0,
  };
}

const ids = ulidSource();

/** `tickPayload(seq)` in an envelope with a fresh ULID, as a service's outbox holds it. */
export function tickEnvelope(seq: number, source = 'manager'): Envelope {
  return buildEnvelope(AutopilotTickedV1, tickPayload(seq), {
    id: ids.next(),
    time: '2026-01-01T00:00:00.000Z',
    source,
  });
}
