import { installMemoryTracing, type MemoryTracing } from '@autopilot/telemetry/testing';
import { beginTrace, withSpan, withTraceContext } from '@autopilot/telemetry';

describe('beginTrace', () => {
  it('without a tracer provider, starts nothing', () => {
    expect(beginTrace('dispatch run')).toBeUndefined();
  });

  describe('with memory tracing installed', () => {
    let tracing: MemoryTracing;
    beforeAll(() => {
      tracing = installMemoryTracing();
    });
    afterAll(() => tracing.shutdown());

    it('starts a trace of its own inside another, its root span ended, and work later joins it', async () => {
      const begun = await withSpan('a tick', {}, async (tick) => ({
        traceparent: beginTrace('dispatch run', { 'autopilot.run_id': 'run-1' }),
        tickTrace: tick.spanContext().traceId,
      }));
      expect(begun.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const [, traceId, spanId] = begun.traceparent!.split('-');
      expect(traceId).not.toBe(begun.tickTrace);

      const root = tracing.spans().find((s) => s.name === 'dispatch run')!;
      expect(root.spanContext()).toMatchObject({ traceId, spanId });
      expect(root.parentSpanContext).toBeUndefined();
      expect(root.attributes['autopilot.run_id']).toBe('run-1');

      // What is sent later with that traceparent continues the run's trace, under its root.
      await withTraceContext({ traceparent: begun.traceparent }, () =>
        withSpan('resume run', {}, () => undefined),
      );
      const resumed = tracing.spans().find((s) => s.name === 'resume run')!;
      expect(resumed.spanContext().traceId).toBe(traceId);
      expect(resumed.parentSpanContext?.spanId).toBe(spanId);
    });
  });
});
