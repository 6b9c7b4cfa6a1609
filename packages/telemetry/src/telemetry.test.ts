import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { installMemoryTracing, type MemoryTracing } from '@autopilot/telemetry/testing';
import {
  ATTR_AUTOPILOT_COST_USD,
  ATTR_AUTOPILOT_SERVICE,
  ATTR_GEN_AI_REQUEST_MODEL,
  currentTraceIds,
  extractTraceContext,
  injectTraceContext,
  runAsService,
  startTelemetry,
  withSpan,
  withTraceContext,
} from '@autopilot/telemetry';

describe('with memory tracing installed', () => {
  let tracing: MemoryTracing;
  beforeAll(() => {
    tracing = installMemoryTracing();
  });
  afterEach(() => tracing.reset());
  afterAll(() => tracing.shutdown());

  it('round-trips traceparent through a plain object', async () => {
    const headers: Record<string, string> = {};
    const sent = await withSpan('publish', {}, () => {
      injectTraceContext(headers);
      return currentTraceIds();
    });
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(headers.traceparent).toBe(`00-${sent.traceId}-${sent.spanId}-01`);

    const received = trace.getSpanContext(extractTraceContext(JSON.parse(JSON.stringify(headers))));
    expect(received).toMatchObject({ traceId: sent.traceId, spanId: sent.spanId, isRemote: true });

    await withTraceContext(headers, () => withSpan('handle', {}, () => undefined));
    const handle = tracing.spans().find((s) => s.name === 'handle');
    expect(handle?.spanContext().traceId).toBe(sent.traceId);
    expect(handle?.parentSpanContext?.spanId).toBe(sent.spanId);
  });

  it('records an error status and the exception when the function throws', async () => {
    class BudgetExceededError extends Error {
      readonly code = 'GOVERNANCE_BUDGET_EXCEEDED';
    }
    await expect(
      withSpan('llm.call', { [ATTR_GEN_AI_REQUEST_MODEL]: 'test-model' }, async () => {
        throw new BudgetExceededError('over the daily cap');
      }),
    ).rejects.toThrow('over the daily cap');

    const [span] = tracing.spans();
    expect(span?.name).toBe('llm.call');
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'over the daily cap' });
    expect(span?.attributes).toMatchObject({
      [ATTR_GEN_AI_REQUEST_MODEL]: 'test-model',
      'error.type': 'GOVERNANCE_BUDGET_EXCEEDED',
    });
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('exports finished spans to memory, nested under the active span, with attributes set inside', async () => {
    await withSpan('run', {}, async () => {
      await withSpan('step', {}, async (step) => {
        await Promise.resolve();
        step.setAttribute(ATTR_AUTOPILOT_COST_USD, 0.25);
      });
    });
    const [step, run] = tracing.spans();
    expect([step?.name, run?.name]).toEqual(['step', 'run']);
    expect(step?.parentSpanContext?.spanId).toBe(run?.spanContext().spanId);
    expect(step?.attributes[ATTR_AUTOPILOT_COST_USD]).toBe(0.25);
    expect(run?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('stamps autopilot.service on spans started inside runAsService, across awaits', async () => {
    await runAsService('manager', async () => {
      await Promise.resolve();
      await withSpan('dispatch', {}, () => undefined);
    });
    await withSpan('outside', {}, () => undefined);
    const byName = new Map(tracing.spans().map((s) => [s.name, s.attributes[ATTR_AUTOPILOT_SERVICE]]));
    expect(byName).toEqual(
      new Map([
        ['dispatch', 'manager'],
        ['outside', undefined],
      ]),
    );
  });

  it('reports no trace ids outside a span', () => {
    expect(context.with(context.active(), () => currentTraceIds())).toEqual({});
  });
});

describe('startTelemetry', () => {
  it('shares one SDK per process and stops it when the last holder shuts down', async () => {
    const manager = startTelemetry({ serviceName: 'autopilot', exporter: 'memory' });
    const worker = startTelemetry({ serviceName: 'autopilot', exporter: 'memory' });

    await runAsService('worker', () => withSpan('run.step', {}, () => undefined));
    expect(manager.spans().map((s) => [s.name, s.attributes[ATTR_AUTOPILOT_SERVICE]])).toEqual([
      ['run.step', 'worker'],
    ]);
    expect(manager.spans()[0]?.resource.attributes['service.name']).toBe('autopilot');
    expect(worker.spans()).toHaveLength(1);

    await manager.shutdown();
    await manager.shutdown();
    await withSpan('still.running', {}, () => undefined);
    expect(worker.spans()).toHaveLength(2);

    await worker.shutdown();
    expect(await withSpan('after.shutdown', {}, (span) => span.isRecording())).toBe(false);
  });

  it('propagates trace context with the none exporter, though nothing is exported', async () => {
    const telemetry = startTelemetry({ serviceName: 'autopilot', exporter: 'none' });
    try {
      const incoming = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
      const outgoing: Record<string, string> = {};
      const ids = await withTraceContext(incoming, () =>
        withSpan('handle', {}, () => {
          injectTraceContext(outgoing);
          return currentTraceIds();
        }),
      );
      expect(ids.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(outgoing.traceparent).toBe(`00-${ids.traceId}-${ids.spanId}-01`);
      expect(ids.spanId).not.toBe('b7ad6b7169203331');
      expect(telemetry.spans()).toEqual([]);
    } finally {
      await telemetry.shutdown();
    }
  });
});
