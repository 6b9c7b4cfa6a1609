import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type MessageBus } from '@autopilot/bus';
import { connectJetStreamBus } from '@autopilot/bus/jetstream';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  BlueprintIngestedV1,
  IngestionSubmitBlueprintV1,
  PlanGeneratedV1,
  TasksGeneratedV1,
  type Envelope,
} from '@autopilot/contracts';
import { ingestionService } from '@autopilot/ingestion';
import { plannerService } from '@autopilot/planner';
import { createLogger } from '@autopilot/runtime';
import { startEmbedded, startSingleService, type RunningTopology } from '@autopilot/runtime/topology';
import { withSpan } from '@autopilot/telemetry';
import { installMemoryTracing, type MemoryTracing } from '@autopilot/telemetry/testing';
import { eventually, testNatsUrl } from '@autopilot/testing';

/**
 * DESIGN.md section 7: one trace across every service. A client starts a span and sends
 * `cmd.ingestion.submit_blueprint` inside it; ingestion announces `blueprint.ingested` through its
 * outbox (hop 1), the planner answers with `plan.generated` and `tasks.generated` through its outbox
 * (hop 2). The relays publish outside any handler's span, so the trace only survives when the
 * envelopes were built with it: every event must carry the client's trace id, name the message
 * that caused it, and keep the job's correlation id; the consumer spans must join the same trace.
 */

const silentLogger = () =>
  createLogger({
    service: 'test',
    level: 'fatal',
    destination: new Writable({ write: (_c, _e, done) => done() }),
  });

const BLUEPRINT = [
  '# Shop',
  '',
  '## Story 1: Cart',
  '',
  'Add `src/cart.ts`.',
  '',
  '## Story 2: Checkout',
  '',
  'Depends on Story 1.',
  '',
  'Add `src/checkout.ts`.',
  '',
].join('\n');

const traceIdOf = (traceparent: string | undefined): string | undefined => traceparent?.split('-')[1];

interface Observed {
  command?: Envelope;
  ingested?: Envelope;
  plan?: Envelope;
  tasks?: Envelope;
}

/** Watches the events of one job, by correlation id, with consumer names unique to this run. */
async function observe(bus: MessageBus, jobId: string, tag: string): Promise<Observed> {
  const seen: Observed = {};
  const watch = async (
    def: typeof BlueprintIngestedV1 | typeof PlanGeneratedV1 | typeof TasksGeneratedV1,
    key: keyof Observed,
  ) =>
    bus.subscribe(def, `trace-test-${tag}-${key}`, async (d) => {
      if (d.envelope.correlationId === jobId) seen[key] = d.envelope as Envelope;
    });
  await watch(BlueprintIngestedV1, 'ingested');
  await watch(PlanGeneratedV1, 'plan');
  await watch(TasksGeneratedV1, 'tasks');
  return seen;
}

/** Sends the blueprint inside a client span; returns the span's trace id and the command's envelope. */
async function submitInSpan(
  bus: MessageBus,
  jobId: string,
  projectId: string,
): Promise<{ traceId: string; command: Envelope }> {
  return withSpan('client submits a blueprint', {}, async (span) => {
    const command = await bus.publish(
      IngestionSubmitBlueprintV1,
      {
        jobId,
        projectId,
        title: 'Shop',
        name: `shop-${jobId}.md`,
        format: 'markdown',
        text: BLUEPRINT,
        requestedBy: { kind: 'system', id: 'trace-test' },
      },
      { correlationId: jobId, projectId },
    );
    return { traceId: span.spanContext().traceId, command };
  });
}

function expectOneTrace(
  tracing: MemoryTracing,
  seen: Required<Observed>,
  traceId: string,
  jobId: string,
): void {
  // Every event two hops from the client carries its trace, its job, and the message that caused it.
  for (const event of [seen.ingested, seen.plan, seen.tasks]) {
    expect(traceIdOf(event.traceparent)).toBe(traceId);
    expect(event.correlationId).toBe(jobId);
  }
  expect(seen.ingested.source).toBe('ingestion');
  expect(seen.plan.source).toBe('planner');
  expect(seen.ingested.causationId).toBe(seen.command.id);
  expect(seen.plan.causationId).toBe(seen.ingested.id);
  expect(seen.tasks.causationId).toBe(seen.ingested.id);
  // The services' consumer spans joined the client's trace.
  const processed = tracing
    .spans()
    .filter((s) => s.spanContext().traceId === traceId)
    .map((s) => s.name);
  expect(processed).toEqual(
    expect.arrayContaining([
      `process ${IngestionSubmitBlueprintV1.subject}`,
      `process ${BlueprintIngestedV1.subject}`,
    ]),
  );
}

describe('a trace started before a command reaches the events two hops later', () => {
  let tracing: MemoryTracing;
  beforeAll(() => {
    tracing = installMemoryTracing('trace-test');
  });
  afterAll(() => tracing.shutdown());

  it('in the embedded topology (in-process bus, SQLite stores)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-trace-embedded-'));
    const bus = new InProcessMessageBus({ source: 'gateway', settle: 'on-consume' });
    let running: RunningTopology | undefined;
    try {
      const jobId = 'job-trace-embedded';
      const seen = await observe(bus, jobId, 'embedded');
      running = await startEmbedded({
        services: [ingestionService, plannerService],
        dir,
        port: 0,
        host: '127.0.0.1',
        outboxIntervalMs: 50,
        logger: silentLogger(),
        bus,
      });
      await running.started;
      const { traceId, command } = await submitInSpan(bus, jobId, 'project-trace');
      seen.command = command;
      await eventually(() => expect(seen.tasks).toBeDefined(), { timeoutMs: 20_000 });
      expectOneTrace(tracing, seen as Required<Observed>, traceId, jobId);
    } finally {
      await running?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('over NATS JetStream (ingestion and planner as separate services)', async () => {
    const natsUrl = await testNatsUrl();
    const dir = mkdtempSync(join(tmpdir(), 'ap-trace-nats-'));
    const run = Date.now().toString(36);
    const jobId = `job-trace-nats-${run}`;
    const client = await connectJetStreamBus({
      servers: natsUrl,
      source: 'gateway', // the services take its commands only from their producer
      log: () => undefined,
    });
    const services: RunningTopology[] = [];
    try {
      const seen = await observe(client, jobId, `nats-${run}`);
      for (const definition of [ingestionService, plannerService]) {
        services.push(
          await startSingleService({
            definition,
            natsUrls: [natsUrl],
            dir: join(dir, definition.name),
            port: 0,
            host: '127.0.0.1',
            outboxIntervalMs: 50,
            logger: silentLogger(),
          }),
        );
      }
      await Promise.all(services.map((s) => s.started));
      const { traceId, command } = await submitInSpan(client, jobId, `project-trace-${run}`);
      seen.command = command;
      await eventually(() => expect(seen.tasks).toBeDefined(), { timeoutMs: 30_000 });
      expectOneTrace(tracing, seen as Required<Observed>, traceId, jobId);
    } finally {
      for (const s of services) await s.stop();
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
