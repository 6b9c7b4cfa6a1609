/// <reference types="jest" />
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Delivery } from '@autopilot/bus';
import { connectJetStreamBus, type JetStreamMessageBus } from '@autopilot/bus/jetstream';
import {
  BlueprintIngestedV1,
  IngestionProgressV1,
  IngestionSubmitBlueprintV1,
  PlanGeneratedV1,
  PlanRejectedV1,
  TasksGeneratedV1,
} from '@autopilot/contracts';
import { submitBlueprintCommand } from '@autopilot/ingestion';
import { declareOutbox, failedOutbox, pendingOutbox } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually, startNatsServer, type NatsServerHandle } from '@autopilot/testing';
import { Objm } from '@nats-io/obj';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CliProcess, ensureBuilt } from '../e2e/cli-process';
import { diagnostics, explainingFailure, stopProcess, waitUntilReady } from '../e2e/service-process';
import { largeBlueprint } from '../fixtures/large-blueprint';

/**
 * DESIGN.md section 4 through the real parts, not only the bus library: `autopilot service
 * ingestion` and `autopilot service planner` run as their own processes on a nats-server of this
 * test's own, with NATS's default 1 MiB max_payload so the large blueprints' commands and events
 * travel by claim check (AP_PAYLOADS). Once the first job's `blueprint.ingested` is out, nats-server
 * gets SIGKILL while the second job is being ingested and the first planned; it is restarted on the
 * same port and store. The services' outbox relays must carry what they committed during the outage
 * across it, and every job must end planned exactly once: one `blueprint.ingested`, one
 * `plan.generated` and one `tasks.generated` per job (distinct envelope ids), none duplicated in the
 * stream, nothing failed or pending in either outbox, nothing dead-lettered.
 */

const MIB = 1024 * 1024;
const PAYLOADS_BUCKET = 'AP_PAYLOADS';

interface JobSeen {
  ingested: Set<string>;
  plans: Set<string>;
  tasks: Set<string>;
  /**
   * When the test first saw the job end: its done `ingestion.progress`, committed with its
   * `blueprint.ingested` (ms since epoch). The small event, not the claim-checked one: a test
   * process slow to fetch and decode a 1 MB body would see job a end after job b had.
   */
  doneAt?: number;
  failure?: string;
}

describe('nats-server SIGKILLed under real services, the outbox relay and the claim check', () => {
  let nats: NatsServerHandle | undefined;
  let plain: NatsConnection | undefined;
  let bus: JetStreamMessageBus | undefined;
  let dir: string | undefined;
  const services = new Map<string, CliProcess>();
  const explain = (): string => [...services].map(([name, cli]) => diagnostics(name, cli)).join('\n');

  afterAll(async () => {
    await bus?.close();
    await plain?.close();
    for (const cli of services.values()) await stopProcess(cli);
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('every job is ingested and planned exactly once across the outage, claim-checked bodies included', async () => {
    await explainingFailure(jobsSurviveTheOutage, explain);
  }, 300_000);

  async function jobsSurviveTheOutage(): Promise<void> {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ap-nats-restart-services-'));
    // Always its own server: it gets killed, and the test relies on the default max_payload.
    nats = await startNatsServer();
    const env = { NATS_URL: nats.url, AUTOPILOT_DIR: join(dir, 'state') };
    for (const name of ['ingestion', 'planner']) {
      const cli = new CliProcess(['service', name, '--port', '0'], env);
      services.set(name, cli);
      await waitUntilReady(cli, name);
    }
    plain = await connect({ servers: nats.url, name: 'faults-inspect', maxReconnectAttempts: -1 });
    expect(plain.info?.max_payload).toBe(MIB);
    // Ingestion takes submit_blueprint only from its producer, the gateway.
    bus = await connectJetStreamBus({ servers: nats.url, source: 'gateway' });

    // Two blueprints past max_payload (claim-checked end to end), one small one submitted after the restart.
    const jobs = [
      { jobId: 'faults-big-a', text: largeBlueprint({ phases: 20 }) },
      { jobId: 'faults-big-b', text: largeBlueprint({ phases: 20 }) },
      { jobId: 'faults-small-c', text: largeBlueprint({ phases: 1, epics: 2, stories: 3 }) },
    ];
    const seen = new Map<string, JobSeen>(
      jobs.map((j) => [j.jobId, { ingested: new Set(), plans: new Set(), tasks: new Set() }]),
    );
    const record =
      <P>(what: (s: JobSeen, d: Delivery<P>) => void) =>
      async (d: Delivery<P>): Promise<void> => {
        const job = d.envelope.correlationId === undefined ? undefined : seen.get(d.envelope.correlationId);
        if (job) what(job, d);
      };
    await bus.subscribe(
      BlueprintIngestedV1,
      'faults-services-ingested',
      record((s, d) => s.ingested.add(d.id)),
    );
    await bus.subscribe(
      PlanGeneratedV1,
      'faults-services-plan',
      record((s, d) => s.plans.add(d.id)),
    );
    await bus.subscribe(
      TasksGeneratedV1,
      'faults-services-tasks',
      record((s, d) => s.tasks.add(d.id)),
    );
    await bus.subscribe(
      PlanRejectedV1,
      'faults-services-rejected',
      record((s, d) => (s.failure = `plan.rejected: ${d.payload.error.message}`)),
    );
    await bus.subscribe(
      IngestionProgressV1,
      'faults-services-progress',
      record((s, d) => {
        if (d.payload.phase === 'failed') s.failure = `ingestion failed: ${JSON.stringify(d.payload)}`;
        if (d.payload.phase === 'done') s.doneAt ??= Date.now();
      }),
    );
    const submit = async (job: (typeof jobs)[number]): Promise<void> => {
      const command = submitBlueprintCommand(
        { text: job.text, name: `${job.jobId}.md`, title: job.jobId, sourcePath: `${job.jobId}.md` },
        { jobId: job.jobId, projectId: job.jobId, requestedBy: { kind: 'system', id: 'faults' } },
      );
      // Retried through the outage with the same envelope id: JetStream drops a retry that had landed.
      const id = `submit-${job.jobId}`;
      await eventually(
        () => bus!.publish(IngestionSubmitBlueprintV1, command, { id, correlationId: job.jobId }),
        {
          timeoutMs: 60_000,
          intervalMs: 200,
        },
      );
    };
    const [a, b, c] = jobs as [(typeof jobs)[number], (typeof jobs)[number], (typeof jobs)[number]];
    expect(Buffer.byteLength(a.text)).toBeGreaterThan(MIB);
    await submit(a);
    await submit(b);

    // The kill lands once job a is ingested: b is being ingested, a's events on their way.
    await eventually(
      () => {
        const job = seen.get(a.jobId)!;
        if (job.failure) return;
        if (job.doneAt === undefined) throw new Error('job a is not ingested yet');
      },
      { timeoutMs: 120_000, intervalMs: 20 },
    );
    const disconnected = (async () => {
      for await (const status of plain!.status()) if (status.type === 'disconnect') return;
    })();
    const killedAt = Date.now();
    await nats.kill('SIGKILL');
    await disconnected;
    await nats.restart();
    await submit(c);

    await eventually(
      () => {
        const failed = [...seen].filter(([, s]) => s.failure);
        if (failed.length > 0) return;
        const waiting = [...seen]
          .filter(([, s]) => s.plans.size === 0 || s.tasks.size === 0)
          .map(([id]) => id);
        if (waiting.length > 0) throw new Error(`not planned yet: ${waiting.join(', ')}`);
      },
      { timeoutMs: 240_000, intervalMs: 200 },
    );
    expect([...seen].flatMap(([id, s]) => (s.failure ? [`${id}: ${s.failure}`] : []))).toEqual([]);

    // The outage was mid-flight: job b's ingestion finished after the kill.
    const bDoneAt = seen.get(b.jobId)!.doneAt ?? 0;
    if (bDoneAt <= killedAt) {
      throw new Error('job b was ingested before the kill, so the outage proves nothing: make it bigger');
    }

    // Exactly once: one envelope per job and message (deliveries are de-duplicated by id above) ...
    for (const [jobId, s] of seen) {
      expect({ jobId, ingested: s.ingested.size, plans: s.plans.size, tasks: s.tasks.size }).toEqual({
        jobId,
        ingested: 1,
        plans: 1,
        tasks: 1,
      });
    }
    // ... and one message per envelope in the stream: no relay retry was stored twice.
    const jsm = await jetstreamManager(plain);
    const info = await jsm.streams.info('AP_EVENTS', { subjects_filter: 'ap.v1.evt.>' });
    const perSubject = info.state.subjects ?? {};
    expect({
      ingested: perSubject[BlueprintIngestedV1.subject],
      plans: perSubject[PlanGeneratedV1.subject],
      tasks: perSubject[TasksGeneratedV1.subject],
    }).toEqual({ ingested: 3, plans: 3, tasks: 3 });

    // The large bodies went by claim check: their objects are in the payload bucket.
    const bucket = await new Objm(plain).open(PAYLOADS_BUCKET);
    const large: string[] = [];
    for (const o of await bucket.list()) if (o.size > MIB) large.push(o.name);
    expect(large.length).toBeGreaterThanOrEqual(2 * 4);
    expect(await bus.listDeadLetters()).toEqual([]);

    // Stopped gracefully, neither service leaves anything pending or failed in its outbox.
    for (const [name, cli] of services) {
      expect({ name, exit: await stopProcess(cli) }).toEqual({ name, exit: { code: 0, signal: null } });
      const store = await openSqliteStore({ file: join(dir, 'state', `${name}.db`), purgeIntervalMs: 0 });
      try {
        await declareOutbox(store);
        expect({
          name,
          pending: await pendingOutbox(store, 10),
          failed: await failedOutbox(store, 10),
        }).toEqual({
          name,
          pending: [],
          failed: [],
        });
      } finally {
        await store.close();
      }
    }
  }
});
