/// <reference types="jest" />
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectJetStreamBus, type JetStreamMessageBus } from '@autopilot/bus/jetstream';
import { BlueprintIngestedV1, IngestionProgressV1, IngestionSubmitBlueprintV1 } from '@autopilot/contracts';
import { declareIngestionStore, submitBlueprintCommand } from '@autopilot/ingestion';
import {
  OUTBOX_COLLECTION,
  OUTBOX_SEQUENCE_COLLECTION,
  pendingOutbox,
  type Doc,
  type DocumentStore,
  type OutboxState,
} from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually, startNatsServer, type NatsServerHandle } from '@autopilot/testing';
import { CliProcess } from '../e2e/cli-process';
import { realHeadings } from '../e2e/plan-fixtures';
import { largeBlueprint } from '../fixtures/large-blueprint';

/**
 * The issue: "Resumable ingestion jobs with progress events (sections done / total); killed mid-job,
 * a restart resumes, never starts over and never duplicates", proven with a real kill. The built
 * `autopilot service ingestion` runs on a nats-server of this test's own; a blueprint of ~27k
 * sections is submitted; on the first progress event that shows sections part-way stored the process
 * gets SIGKILL. The same command, never acked, is redelivered to a second process on the same store
 * (after the consumer's ack wait, 30 s by default: the dead process's last `working()` counts).
 *
 * What the service checkpoints (run-blueprint-ingestion.ts): the job record (`checkpoint:
 * { chunksStored, sectionsStored }`, `lastReported`) is written in the same transaction as each text
 * chunk or batch of sections, and a `hashing` progress event goes into the outbox of the batch's
 * transaction whenever another 5% of the sections is stored. Parsing is not checkpointed: a resumed
 * job parses the text again in memory, but does not start the job over (no second `parsing` event,
 * no second version) and stores from `checkpoint.sectionsStored` on. So "resumes, never starts over"
 * is asserted on the `hashing` phase: the second process's events all lie past the checkpoint the
 * store held at the kill.
 *
 * "Never duplicates": every event leaves through the outbox with a fresh envelope id (ULID), and a
 * relay re-publish of one entry keeps its id (JetStream drops it; a redelivery to our consumer is
 * de-duplicated here by id). So two envelope ids announcing `blueprint.ingested` for the job would
 * be the job finished twice, and two (blueprintId, version) pairs a second version of the same text:
 * exactly one id, one pair, version 1. Completeness makes that exact rather than timing-dependent:
 * the test waits until it has received every entry the service's outbox ever held.
 */

/** ~4.0 MB: ~27k headings, ~13k fake ones in code fences, tables (the service takes 8 MiB). */
const bigBlueprint = (): string => largeBlueprint({ phases: 70 });

/** ATX headings outside fenced code blocks, counted line by line (no Markdown parser involved). */
const countHeadings = (text: string): number => realHeadings(text).length;

interface ProgressSeen extends IngestionProgressV1 {
  id: string;
  /** The envelope's `time`: when the service built the event (ms since epoch). */
  builtAt: number;
}

interface JobDoc extends Doc {
  state: string;
  totalSections: number;
  checkpoint: { chunksStored: number; sectionsStored: number };
}

interface SectionBatchDoc extends Doc {
  versionId: string;
  batch: number;
  from: number;
  sections: { id: string }[];
}

/** Every document of a collection, page by page. */
async function all<T extends Doc>(store: DocumentStore, name: string): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  do {
    const page = await store.collection<T>(name).find({}, { limit: 1000, ...(after ? { after } : {}) });
    out.push(...page.items);
    after = page.next;
  } while (after);
  return out;
}

/** Opens the service's SQLite store while no service holds it (it is locked per process). */
async function withServiceStore<R>(dir: string, fn: (store: DocumentStore) => Promise<R>): Promise<R> {
  const store = await openSqliteStore({ file: join(dir, 'ingestion.db'), purgeIntervalMs: 0 });
  try {
    await declareIngestionStore(store);
    return await fn(store);
  } finally {
    await store.close();
  }
}

const tail = (text: string): string => (text.length > 6000 ? `…${text.slice(-6000)}` : text);

describe('ingestion service SIGKILLed mid-job, then restarted', () => {
  let nats: NatsServerHandle | undefined;
  let bus: JetStreamMessageBus | undefined;
  let dir: string | undefined;
  const processes: CliProcess[] = [];

  afterAll(async () => {
    await bus?.close();
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([p.exited, new Promise((resolve) => (timer = setTimeout(resolve, 12_000)))]);
        clearTimeout(timer);
        p.kill();
      }
    }
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** The processes' output, for failure messages. */
  const outputs = (): string =>
    processes
      .map(
        (p, i) =>
          `--- ingestion process ${i + 1} (exit ${String(p.child.exitCode)}, signal ${String(p.child.signalCode)}) ---\n` +
          `stdout:\n${tail(p.stdout)}\nstderr:\n${tail(p.stderr)}`,
      )
      .join('\n');

  const startService = (): CliProcess => {
    const cli = new CliProcess(['service', 'ingestion', '--port', '0'], {
      NATS_URL: (nats as NatsServerHandle).url,
      AUTOPILOT_DIR: dir as string,
    });
    processes.push(cli);
    return cli;
  };

  it('resumes from its checkpoint, never starts over, and announces version 1 exactly once', async () => {
    try {
      await killedMidJobResumes();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`${message}\n\n${outputs()}`, { cause: err });
    }
  }, 300_000);

  async function killedMidJobResumes(): Promise<void> {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'ap-ingest-kill-'));
    const text = bigBlueprint();
    const headings = countHeadings(text);
    expect(text.length).toBeGreaterThan(3_500_000);
    expect(headings).toBeGreaterThan(25_000);

    const first = startService();
    await first.waitFor(/^service ingestion ready on /, 30_000);

    // Ingestion takes submit_blueprint only from its producer, the gateway.
    bus = await connectJetStreamBus({ servers: nats.url, source: 'gateway' });
    const jobId = `job-kill-${Date.now().toString(36)}`;
    const progress = new Map<string, ProgressSeen>();
    const ingested = new Map<string, BlueprintIngestedV1>();
    let killed: { done: number; total: number } | undefined;
    let ingestedAt: number | undefined;
    // Subscribed before submitting; one handler at a time, so events arrive in outbox order.
    await bus.subscribe(IngestionProgressV1, 'faults-ingestion-progress', async (d) => {
      if (d.payload.jobId !== jobId) return;
      progress.set(d.id, { ...d.payload, id: d.id, builtAt: Date.parse(d.envelope.time) });
      const { phase, done, total } = d.payload;
      // The kill goes out from the handler itself: the first moment the job is known part-way.
      if (!killed && phase === 'hashing' && total !== undefined && done > 0 && done < total) {
        first.child.kill('SIGKILL');
        killed = { done, total };
      }
    });
    await bus.subscribe(BlueprintIngestedV1, 'faults-blueprint-ingested', async (d) => {
      if (d.payload.jobId !== jobId) return;
      ingested.set(d.id, d.payload);
      ingestedAt ??= Date.now();
    });

    const source = { text, name: 'docs/platform.md', title: 'platform', sourcePath: 'docs/platform.md' };
    const requestedBy = { kind: 'system', id: 'faults-ingestion-kill' } as const;
    await bus.publish(
      IngestionSubmitBlueprintV1,
      submitBlueprintCommand(source, { jobId, projectId: 'faults', requestedBy }),
      { correlationId: jobId },
    );

    const kill = await eventually(
      () => {
        if (!killed) throw new Error(`no mid-job progress yet: ${JSON.stringify([...progress.values()])}`);
        return killed;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(kill.total).toBe(headings);

    // What the dead process left: a running job, part-way, at or past the progress that triggered
    // the kill (events are relayed after their commit, so the store is ahead of what we saw).
    const atKill = await withServiceStore(dir, async (store) => {
      const job = await store.collection<JobDoc>('ingestion_jobs').get(jobId);
      const versions = await all<Doc>(store, 'blueprint_versions');
      return { job, versions: versions.length };
    });
    if (atKill.job?.state !== 'running' || atKill.job.checkpoint.sectionsStored >= headings) {
      throw new Error(
        `the kill did not land mid-job: at the kill the job was ${JSON.stringify(atKill.job)} ` +
          `(SIGKILL sent on progress ${kill.done}/${kill.total}); make the blueprint bigger`,
      );
    }
    const checkpointAtKill = atKill.job.checkpoint.sectionsStored;
    expect(checkpointAtKill).toBeGreaterThanOrEqual(kill.done);
    expect(atKill.versions).toBe(1);

    // Same store, same NATS: the unacked command comes back to the new process after the ack wait.
    const restartedAt = Date.now();
    const second = startService();
    await second.waitFor(/^service ingestion ready on /, 30_000);
    await eventually(
      () => {
        if (ingested.size === 0) throw new Error('no blueprint.ingested for the job yet');
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );

    // A graceful stop flushes the outbox relay; then the store says what the service ever emitted.
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    const atEnd = await withServiceStore(dir, async (store) => ({
      job: await store.collection<JobDoc>('ingestion_jobs').get(jobId),
      versions: await all<Doc & { number: number; status: string }>(store, 'blueprint_versions'),
      batches: await all<SectionBatchDoc>(store, 'blueprint_sections'),
      outbox: await all<OutboxState>(store, OUTBOX_COLLECTION),
      appended: (await store.collection<Doc & { last: number }>(OUTBOX_SEQUENCE_COLLECTION).get('outbox'))
        ?.last,
      pending: (await pendingOutbox(store, 10)).length,
    }));
    expect(atEnd.pending).toBe(0);
    expect(atEnd.outbox.filter((e) => e.failedAt !== undefined)).toEqual([]);
    // No entry pruned yet (retention is minutes): the ids below are all the service ever emitted.
    expect(atEnd.outbox).toHaveLength(atEnd.appended ?? -1);
    const emitted = atEnd.outbox.map((e) => e._id);
    await eventually(
      () => expect(emitted.filter((id) => !progress.has(id) && !ingested.has(id))).toEqual([]),
      { timeoutMs: 30_000, intervalMs: 100 },
    );

    // Announced once: one envelope, one (blueprintId, version), version 1, every real heading.
    const announcements = [...ingested.values()];
    expect(announcements).toHaveLength(1);
    const [announced] = announcements as [BlueprintIngestedV1];
    expect(new Set(announcements.map((a) => `${a.blueprintId}@v${a.version}`)).size).toBe(1);
    expect(announced.version).toBe(1);
    expect(announced.parentVersion).toBeUndefined();
    expect(announced.sections).toHaveLength(headings);
    expect(announced.text).toBe(text);

    // Progress, de-duplicated by envelope id, in the order the outbox published it.
    const events = [...progress.values()];
    const summary = events.map((e) => `${e.phase} ${e.done}/${e.total ?? '?'}`).join(', ');
    expect(events.filter((e) => e.phase === 'parsing')).toHaveLength(1);
    expect(events.filter((e) => e.phase === 'failed')).toEqual([]);
    const done = events.filter((e) => e.phase === 'done');
    expect(done.map((e) => [e.done, e.total])).toEqual([[headings, headings]]);
    const hashing = events.filter((e) => e.phase === 'hashing').map((e) => e.done);
    // Strictly increasing over both processes: no share of the sections reported (stored) twice.
    expect(hashing).toEqual([...new Set(hashing)].sort((a, b) => a - b));
    // The second process resumed: nothing from it at 0, and all of its storing past the checkpoint.
    const resumed = events.filter((e) => e.builtAt >= restartedAt);
    expect(resumed.filter((e) => e.phase === 'parsing' || e.done === 0)).toEqual([]);
    const resumedHashing = resumed.filter((e) => e.phase === 'hashing').map((e) => e.done);
    expect(resumedHashing.length).toBeGreaterThan(0);
    expect(resumedHashing.filter((n) => n <= checkpointAtKill)).toEqual([]);
    expect(resumedHashing[resumedHashing.length - 1]).toBe(headings);

    // The store agrees: one version, current; every section stored exactly once, in document order.
    expect(atEnd.versions.map((v) => [v.number, v.status])).toEqual([[1, 'current']]);
    expect(atEnd.job).toMatchObject({ state: 'succeeded', checkpoint: { sectionsStored: headings } });
    const batches = atEnd.batches.sort((a, b) => a.from - b.from);
    const sectionIds = batches.flatMap((b) => b.sections.map((s) => s.id));
    expect(sectionIds).toEqual(announced.sections.map((s) => s.id));
    expect(new Set(batches.map((b) => b.batch)).size).toBe(batches.length);

    console.info(
      `SIGKILL on progress ${kill.done}/${kill.total}; the store's checkpoint then ${checkpointAtKill}; ` +
        `blueprint.ingested ${(((ingestedAt ?? 0) - restartedAt) / 1000).toFixed(1)} s after the restart; ` +
        `progress: ${summary}`,
    );
  }
});
