import { Writable } from 'node:stream';
import { withSpan } from '@autopilot/telemetry';
import { installMemoryTracing, type MemoryTracing } from '@autopilot/telemetry/testing';
import { createLogger } from './logger';
import { withLogContext } from './log-context';
import { PinoNestLogger } from './nest-logger';

function sink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  let tracing: MemoryTracing;
  beforeAll(() => {
    tracing = installMemoryTracing();
  });
  afterAll(() => tracing.shutdown());

  it('writes JSON lines with the service, a level name and an ISO time', () => {
    const out = sink();
    createLogger({ service: 'manager', level: 'info', destination: out.stream }).info({ n: 1 }, 'hello');
    const [line] = out.lines();
    expect(line).toMatchObject({ service: 'manager', level: 'info', msg: 'hello', n: 1 });
    expect(String(line?.['time'])).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(line).not.toHaveProperty('trace_id');
  });

  it('adds the active span ids and the run context', async () => {
    const out = sink();
    const logger = createLogger({ service: 'worker', level: 'info', destination: out.stream });
    let ids: { traceId: string; spanId: string } | undefined;
    await withLogContext({ run_id: 'run-1', correlation_id: 'run-1' }, () =>
      withSpan('step', {}, async (span) => {
        ids = { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
        await Promise.resolve();
        logger.info('inside');
      }),
    );
    expect(out.lines()[0]).toMatchObject({
      trace_id: ids?.traceId,
      span_id: ids?.spanId,
      run_id: 'run-1',
      correlation_id: 'run-1',
    });
  });

  it('drops lines below its level', () => {
    const out = sink();
    const logger = createLogger({ service: 'x', level: 'warn', destination: out.stream });
    logger.info('no');
    logger.warn('yes');
    expect(out.lines().map((l) => l['msg'])).toEqual(['yes']);
  });
});

describe('PinoNestLogger', () => {
  it("keeps Nest's routine log lines at debug, so the default level is quiet", () => {
    const out = sink();
    const nest = new PinoNestLogger(createLogger({ service: 'x', level: 'info', destination: out.stream }));
    nest.log('Nest microservice successfully started', 'NestMicroservice');
    nest.warn('careful', 'BusServer');
    nest.error('broke', 'Error: broke\n    at x', 'ExceptionHandler');
    expect(out.lines()).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'careful', nest_context: 'BusServer' }),
      expect.objectContaining({
        level: 'error',
        msg: 'broke',
        nest_context: 'ExceptionHandler',
        stack: expect.stringContaining('at x'),
      }),
    ]);
  });
});

describe("PinoNestLogger and a service's own lines", () => {
  it('writes a service line (an object with msg) at its level, log as info, its fields at the top', () => {
    const out = sink();
    const nest = new PinoNestLogger(createLogger({ service: 'x', level: 'info', destination: out.stream }));
    nest.log({ msg: 'plan generated', planId: 'plan-1', tasks: 3 }, 'planner');
    nest.warn({ msg: 'blueprint version superseded', plannedVersion: 2 }, 'planner');
    expect(out.lines()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'plan generated', planId: 'plan-1', tasks: 3 }),
      expect.objectContaining({ level: 'warn', msg: 'blueprint version superseded', plannedVersion: 2 }),
    ]);
    expect(out.lines()[0]).toMatchObject({ nest_context: 'planner' });
  });
});

describe('createLogger error serializer', () => {
  it('masks URL passwords in logged errors', () => {
    const out = sink();
    const err = new Error('cannot reach mongodb://admin:Hunter2@db:27017/x');
    createLogger({ service: 'x', level: 'info', destination: out.stream }).error({ err }, 'failed');
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain('Hunter2');
    expect(text).toContain('mongodb://admin:***@db:27017/x');
  });

  it('masks NATS tokens in messages, fields and errors, whoever logs them', () => {
    const out = sink();
    const logger = createLogger({ service: 'x', level: 'info', destination: out.stream });
    const url = 'nats://s3cr3tToken@nats:4222';
    logger.warn(
      { servers: [url], nested: { target: url }, err: new Error(`refused by ${url}`) },
      `at ${url}`,
    );
    logger.child({ component: 'bus' }).info(`bus ${url}`);
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain('s3cr3tToken');
    expect(text).toContain('nats://***@nats:4222');
    expect(out.lines()).toHaveLength(2);
  });
});
