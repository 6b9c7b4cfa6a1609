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
  TasksGeneratedV1,
  type Envelope,
} from '@autopilot/contracts';
import { submitBlueprintCommand } from '@autopilot/ingestion';
import {
  declareInbox,
  declareOutbox,
  failedOutbox,
  INBOX_COLLECTION,
  isHandled,
  OUTBOX_COLLECTION,
  OUTBOX_ENVELOPES_COLLECTION,
  outboxStates,
  pendingOutbox,
  type DocumentStore,
  type OutboxState,
} from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually, startNatsServer, type NatsServerHandle } from '@autopilot/testing';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CliProcess, ensureBuilt } from '../e2e/cli-process';
import { explainingFailure, stopProcess } from '../e2e/service-process';
import { largeBlueprint } from '../fixtures/large-blueprint';

/**
 * Issue 13 item 3: effects happen once, whatever the delay. JetStream drops a re-published envelope
 * id only within its duplicate window; a producer killed between publishing and recording it
 * re-publishes at its next start, and when that start comes later than the window the stream
 * holds the message twice. Consumers must then de-duplicate by envelope id themselves (the inbox).
 *
 * `autopilot service ingestion` and `autopilot service planner` run as processes on a nats-server
 * of this test's own, with a 1 s duplicate window (AUTOPILOT_DUPLICATE_WINDOW_MS) instead of 2
 * minutes. A blueprint is ingested and planned; ingestion is stopped, and its store is put back in
 * the state a kill between publish and record leaves: every outbox entry pending again, its
 * envelope restored from what the stream delivered. Past the window ingestion restarts and its
 * relay publishes every entry again; the stream keeps each (the window really passed), and the
 * planner's inbox turns the second `blueprint.ingested` into a logged no-op: one `plan.generated`
 * and one `tasks.generated` in the stream, nothing new in the planner's outbox, nothing
 * dead-lettered.
 */

const WINDOW_MS = 1000;

/** Messages per subject in AP_EVENTS. */
async function countsBySubject(jsm: JetStreamManager): Promise<Record<string, number>> {
  const info = await jsm.streams.info('AP_EVENTS', { subjects_filter: 'ap.v1.evt.>' });
  return info.state.subjects ?? {};
}

/** Opens a service's SQLite store while its process is stopped (a store is locked per process). */
async function withStore<R>(file: string, fn: (store: DocumentStore) => Promise<R>): Promise<R> {
  const store = await openSqliteStore({ file, purgeIntervalMs: 0 });
  try {
    await declareOutbox(store);
    await declareInbox(store);
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('a producer restarted after the JetStream duplicate window re-publishes its outbox', () => {
  let nats: NatsServerHandle | undefined;
  let plain: NatsConnection | undefined;
  let bus: JetStreamMessageBus | undefined;
  let dir: string | undefined;
  const processes: { name: string; cli: CliProcess }[] = [];

  afterAll(async () => {
    await bus?.close();
    await plain?.close();
    for (const { cli } of processes) await stopProcess(cli);
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const explain = (): string =>
    processes
      .map(({ name, cli }) => {
        const loud = cli.lines.filter(
          (l) => l.level === 'warn' || l.level === 'error' || l.level === 'fatal',
        );
        return [
          `--- ${name} (pid ${cli.child.pid}, exit ${String(cli.child.exitCode ?? cli.child.signalCode)})`,
          `stderr: ${cli.stderr.trim() || '(empty)'}`,
          ...loud.slice(-20).map((l) => JSON.stringify(l).slice(0, 2000)),
        ].join('\n');
      })
      .join('\n');

  it("and the consumers' inbox makes every effect happen once", async () => {
    await explainingFailure(effectsHappenOnce, explain);
  }, 240_000);

  async function effectsHappenOnce(): Promise<void> {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ap-dedup-window-'));
    nats = await startNatsServer();
    const state = join(dir, 'state');
    const env = {
      NATS_URL: nats.url,
      AUTOPILOT_DIR: state,
      AUTOPILOT_DUPLICATE_WINDOW_MS: String(WINDOW_MS),
    };
    const start = async (name: string, extra: Record<string, string> = {}): Promise<CliProcess> => {
      const cli = new CliProcess(['service', name, '--port', '0'], { ...env, ...extra });
      processes.push({ name, cli });
      await cli.waitFor(new RegExp(`^service ${name} ready on `), 30_000);
      return cli;
    };
    // Debug: the planner's "duplicate delivery, already handled" line is asserted below.
    const planner = await start('planner', { LOG_LEVEL: 'debug' });
    const ingestion = await start('ingestion');

    plain = await connect({ servers: nats.url, name: 'faults-inspect' });
    const jsm = await jetstreamManager(plain);
    // The services set the window on the streams they provisioned.
    expect((await jsm.streams.info('AP_EVENTS')).config.duplicate_window).toBe(WINDOW_MS * 1_000_000);

    // Ingestion takes submit_blueprint only from its producer, the gateway.
    bus = await connectJetStreamBus({ servers: nats.url, source: 'gateway' });
    const jobId = 'faults-dedup-window';
    /** Ingestion's events as delivered, by envelope id: what its outbox published. */
    const fromIngestion = new Map<string, Envelope>();
    const deliveries = { ingested: [] as string[], plans: [] as string[], tasks: [] as string[] };
    const keep = async (d: Delivery<unknown>): Promise<void> => {
      if (d.envelope.correlationId === jobId) fromIngestion.set(d.id, d.envelope as Envelope);
    };
    await bus.subscribe(IngestionProgressV1, 'faults-dedup-progress', keep);
    await bus.subscribe(BlueprintIngestedV1, 'faults-dedup-ingested', async (d) => {
      deliveries.ingested.push(d.id);
      await keep(d);
    });
    await bus.subscribe(PlanGeneratedV1, 'faults-dedup-plans', async (d) => void deliveries.plans.push(d.id));
    await bus.subscribe(
      TasksGeneratedV1,
      'faults-dedup-tasks',
      async (d) => void deliveries.tasks.push(d.id),
    );

    const text = largeBlueprint({ phases: 1, epics: 2, stories: 3 });
    const command = submitBlueprintCommand(
      { text, name: 'dedup.md', title: 'dedup', sourcePath: 'dedup.md' },
      { jobId, projectId: 'faults-dedup', requestedBy: { kind: 'system', id: 'faults' } },
    );
    await bus.publish(IngestionSubmitBlueprintV1, command, {
      correlationId: jobId,
      projectId: 'faults-dedup',
    });
    await eventually(
      () => {
        if (deliveries.plans.length === 0 || deliveries.tasks.length === 0)
          throw new Error('not planned yet');
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );

    // Stopped gracefully, ingestion has published every entry and recorded it so.
    expect(await stopProcess(ingestion)).toEqual({ code: 0, signal: null });
    const ingestionDb = join(state, 'ingestion.db');
    const entries = await withStore(ingestionDb, async (store) => outboxStates(store));
    expect(entries.length).toBeGreaterThan(1);
    expect(entries.filter((e) => e.publishedAt === undefined)).toEqual([]);
    await eventually(() => expect(entries.filter((e) => !fromIngestion.has(e._id))).toEqual([]), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const ingestedId = deliveries.ingested[0] as string;
    expect(deliveries.ingested).toEqual([ingestedId]);

    // What a kill between publishing and recording leaves: every entry pending, with its envelope.
    await withStore(ingestionDb, (store) =>
      store.transaction(async (tx) => {
        for (const entry of entries) {
          const { publishedAt: _published, ...pending } = entry;
          await tx.collection<OutboxState>(OUTBOX_COLLECTION).upsert(pending);
          await tx
            .collection(OUTBOX_ENVELOPES_COLLECTION)
            .upsert({ _id: entry._id, envelope: fromIngestion.get(entry._id) });
        }
      }),
    );
    const before = await countsBySubject(jsm);
    // The window runs from the first publishes, which were over before ingestion stopped: twice
    // the window from now is well past it. (The stream's counts below prove it passed.)
    await new Promise((resolve) => setTimeout(resolve, 2 * WINDOW_MS));

    await start('ingestion');
    const progress = entries.length - 1;
    await eventually(
      async () => {
        const now = await countsBySubject(jsm);
        expect({
          ingested: now[BlueprintIngestedV1.subject],
          progress: now[IngestionProgressV1.subject],
        }).toEqual({
          ingested: (before[BlueprintIngestedV1.subject] ?? 0) + 1,
          progress: (before[IngestionProgressV1.subject] ?? 0) + progress,
        });
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // The observer, which has no inbox, got the copy as a message of its own.
    await eventually(() => expect(deliveries.ingested).toEqual([ingestedId, ingestedId]), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });

    // The planner took the copy and acked it without planning again.
    await eventually(
      async () => {
        const consumer = await jsm.consumers.info('AP_EVENTS', 'planner-blueprint-ingested');
        expect({ pending: consumer.num_pending, unacked: consumer.num_ack_pending }).toEqual({
          pending: 0,
          unacked: 0,
        });
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // Stopped gracefully, the planner has published whatever it committed.
    for (const { name, cli } of processes.filter((p) => p.cli.child.exitCode === null)) {
      expect({ name, exit: await stopProcess(cli) }).toEqual({ name, exit: { code: 0, signal: null } });
    }
    const after = await countsBySubject(jsm);
    expect({ plans: after[PlanGeneratedV1.subject], tasks: after[TasksGeneratedV1.subject] }).toEqual({
      plans: 1,
      tasks: 1,
    });
    expect({ plans: deliveries.plans.length, tasks: deliveries.tasks.length }).toEqual({
      plans: 1,
      tasks: 1,
    });
    expect(await bus.listDeadLetters()).toEqual([]);
    expect(
      planner.lines.filter(
        (l) => l.msg === 'duplicate delivery, already handled' && l['message_id'] === ingestedId,
      ),
    ).toEqual([expect.objectContaining({ consumer: 'planner-blueprint-ingested', found: 'recorded' })]);

    const plannerState = await withStore(join(state, 'planner.db'), async (store) => ({
      handled: await isHandled(store, 'planner-blueprint-ingested', ingestedId),
      inbox: await store.collection(INBOX_COLLECTION).count(),
      outbox: (await outboxStates(store)).length,
      pending: (await pendingOutbox(store, 10)).length,
    }));
    expect(plannerState).toEqual({ handled: true, inbox: 1, outbox: 2, pending: 0 });
    // Ingestion's second relay published every entry again and recorded it; the command it had
    // handled before stayed handled (the inbox record of the finished job).
    const ingestionState = await withStore(ingestionDb, async (store) => ({
      pending: (await pendingOutbox(store, 10)).length,
      failed: (await failedOutbox(store, 10)).length,
      inbox: await store.collection(INBOX_COLLECTION).count(),
    }));
    expect(ingestionState).toEqual({ pending: 0, failed: 0, inbox: 1 });
  }
});
