import { ManagerPauseProjectV1 } from '@autopilot/contracts';
import { systemClock, ulidSource } from '@autopilot/kernel';
import { withSpan } from '@autopilot/telemetry';
import { installMemoryTracing, type MemoryTracing } from '@autopilot/telemetry/testing';
import { outboxEnvelopesFor } from './outbox-envelopes';

const PAUSE = { projectId: 'p-1', requestedBy: { kind: 'user' as const, id: 'ada' } };
const traceIdOf = (traceparent: string | undefined): string | undefined => traceparent?.split('-')[1];

describe('OutboxEnvelopes and a run trace', () => {
  let tracing: MemoryTracing;
  beforeAll(() => {
    tracing = installMemoryTracing();
  });
  afterAll(() => tracing.shutdown());
  const envelopes = outboxEnvelopesFor({ source: 'manager', clock: systemClock, ids: ulidSource() });

  it('begins a trace of its own inside a tick, and builds later envelopes in it rather than the active trace', async () => {
    const { begun, inTick, tickTrace } = await withSpan('tick', {}, async (tick) => {
      const traceparent = envelopes.beginTrace('dispatch run', { 'autopilot.run_id': 'run-1' });
      return {
        begun: traceparent,
        inTick: envelopes.build(ManagerPauseProjectV1, PAUSE, {
          ...(traceparent ? { traceparent } : {}),
        }),
        tickTrace: tick.spanContext().traceId,
      };
    });
    expect(traceIdOf(begun)).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf(begun)).not.toBe(tickTrace);
    expect(inTick.traceparent).toBe(begun);
    const root = tracing.spans().find((s) => s.name === 'dispatch run')!;
    expect(root.attributes).toMatchObject({ 'autopilot.run_id': 'run-1', 'autopilot.service': 'manager' });

    // Without routing.traceparent, the active trace, as before.
    const active = await withSpan('handler', {}, async (span) => ({
      envelope: envelopes.build(ManagerPauseProjectV1, PAUSE),
      traceId: span.spanContext().traceId,
    }));
    expect(traceIdOf(active.envelope.traceparent)).toBe(active.traceId);
  });
});
