import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handlingMessage, outboxEnvelopesFor } from '@autopilot/runtime';
import {
  applyBlueprintChange,
  BlueprintIngestedV1,
  BlueprintIngestedV2,
  wholeBlueprintIngested,
  type Envelope,
  type IngestionAnnounceBlueprintV1,
  type IngestionProgressV1,
  type IngestionSubmitBlueprintV1,
} from '@autopilot/contracts';
import type { IdSource } from '@autopilot/kernel';
import { pendingOutbox, type Doc, type DocumentStore, type StoreTransaction } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { fakeSecrets } from '@autopilot/secret-scan/testing';
import { countEventLoopTurns, FakeClock, seededRandom } from '@autopilot/testing';
import { Lexer } from 'marked';
import { blueprintCollections, StoreBlueprintRepository } from '../adapters/blueprint-repository';
import { InMemoryRecentBlueprintBlocks } from '../adapters/recent-blueprint-blocks';
import { declareIngestionStore } from '../index';
import { memoSection } from '../domain/sections/section-tree';
import type { IngestionOptions } from './ingestion-options';
import type {
  BlueprintVersionRecord,
  IngestionJobRecord,
  RecentBlueprintBlocks,
  SectionBatchRecord,
} from './ports';
import { ingestSubmittedBlueprint, type IngestOutcome } from './ingest-blueprint';
import { announceBlueprintVersion } from './announce-blueprint.use-case';
import { restoreParse } from './stored-parse';
import { parseBlueprint } from '../domain/blueprint/blueprint-parse';
import { blocksDocId } from '../domain/blueprint/blueprint-identity';
import { FENCE, LINKED_PLAN_MARKDOWN } from '../testing/edited-markdown';
import { MAX_STORED_CHANGE_DEPTH } from '../domain/blueprint/stored-change';

const PLAN = [
  '# Shop',
  '',
  'Intent: a shop customers trust.',
  '',
  '## Phase 1: Accounts',
  '',
  'Sign-up and login.',
  '',
  '```md',
  '# Not a section',
  '```',
  '',
  '### Story 1.1',
  '',
  'Email confirmation.',
  '',
  '### Story 1.2',
  '',
  'Password reset.',
  '',
  '## Phase 2: Checkout',
  '',
  'Depends on Phase 1.',
  '',
  '### Story 2.1',
  '',
  'Pay by card.',
  '',
].join('\n');

const OPTIONS: Partial<IngestionOptions> = { chunkChars: 64, sectionsPerStep: 2, progressSteps: 20 };

function scriptedIds(): IdSource {
  let n = 0;
  return { next: () => `evt-${String(++n).padStart(6, '0')}` };
}

const command = (jobId: string, text: string): IngestionSubmitBlueprintV1 => ({
  jobId,
  projectId: 'proj-1',
  title: 'Shop',
  name: 'docs/shop.md',
  format: 'markdown',
  text,
  sourcePath: 'docs/shop.md',
  requestedBy: { kind: 'user', id: 'u-1' },
});

/** How the ingesting process is set up: its options, and its parse cache if it keeps one. */
interface ProcessSetup {
  options?: Partial<IngestionOptions>;
  recentBlocks?: RecentBlueprintBlocks;
}

interface Harness {
  store: DocumentStore;
  /** Runs the command as the harness's process does, or as another process (`setup`) would. */
  run(cmd: IngestionSubmitBlueprintV1, store?: DocumentStore, setup?: ProcessSetup): Promise<IngestOutcome>;
  all<T extends Doc>(collection: string): Promise<T[]>;
  events<D>(type: string): Promise<D[]>;
  /**
   * Every `blueprint.ingested` announced, whole: a v2 (a change) applied to the version it names,
   * announced before it, as a consumer holding that version applies it.
   */
  announced(): Promise<BlueprintIngestedV1[]>;
  /** Handles `cmd.ingestion.announce_blueprint` as the service does. */
  announce(cmd: IngestionAnnounceBlueprintV1): Promise<BlueprintIngestedV1>;
}

async function harness(dir: string, file: string, process: ProcessSetup = {}): Promise<Harness> {
  const store = await openSqliteStore({ file: join(dir, file) });
  await declareIngestionStore(store);
  const clock = new FakeClock();
  const ids = scriptedIds();
  const envelopes = outboxEnvelopesFor({ source: 'ingestion', clock, ids });
  const handled = (cmd: IngestionSubmitBlueprintV1) =>
    ({ id: `cmd-${cmd.jobId}`, correlationId: cmd.jobId, projectId: cmd.projectId }) as Envelope<unknown>;
  return {
    store,
    run: (cmd, via = store, { options = OPTIONS, recentBlocks } = process) =>
      handlingMessage(handled(cmd), () =>
        ingestSubmittedBlueprint(
          {
            blueprints: new StoreBlueprintRepository(via, clock),
            clock,
            envelopes,
            options,
            ...(recentBlocks ? { recentBlocks } : {}),
          },
          { command: cmd },
        ),
      ),
    async all<T extends Doc>(collection: string) {
      return (await store.collection<T>(collection).find({}, { limit: 1000 })).items;
    },
    async events<D>(type: string) {
      return (await pendingOutbox(store, 1000))
        .filter((e) => e.envelope.type === type)
        .map((e) => e.envelope.data as D);
    },
    announce: (cmd) =>
      handlingMessage(
        {
          id: `announce-${cmd.version}`,
          correlationId: cmd.jobId,
          projectId: cmd.projectId,
        } as Envelope<unknown>,
        () =>
          announceBlueprintVersion(
            { blueprints: new StoreBlueprintRepository(store, clock), clock, envelopes },
            cmd,
          ),
      ),
    async announced() {
      const wholes: BlueprintIngestedV1[] = [];
      for (const { envelope } of await pendingOutbox(store, 1000)) {
        if (envelope.type === BlueprintIngestedV1.type) wholes.push(envelope.data as BlueprintIngestedV1);
        if (envelope.type !== BlueprintIngestedV2.type) continue;
        const change = envelope.data as BlueprintIngestedV2;
        const base = wholes.findLast(
          (w) => w.blueprintId === change.blueprintId && w.version === change.base.version,
        );
        if (!base) throw new Error(`v${change.version} names base v${change.base.version}, not announced`);
        wholes.push(wholeBlueprintIngested(change, applyBlueprintChange(base, change)));
      }
      return wholes;
    },
  };
}

/**
 * Every version as read back through the repository, by id: its record but for how it is stored
 * (whole or as a change, in how many chunks), its text, sections and blocks.
 */
async function readBack(h: Harness): Promise<unknown[]> {
  const repo = new StoreBlueprintRepository(h.store, new FakeClock());
  const versions = (await h.all<BlueprintVersionRecord>('blueprint_versions')).sort((a, b) =>
    a._id.localeCompare(b._id),
  );
  return Promise.all(
    versions.map(async ({ chunkCount: _chunks, storedAsChange: _change, ...record }) => ({
      record,
      text: await repo.textOf(record._id),
      sections: await repo.sectionsOf(record._id),
      blocks: await repo.blocksOf(record._id),
    })),
  );
}

/** A plan of `stories` one-line stories under one heading: `stories + 1` sections. */
function storiesPlan(stories: number): string {
  const big = Array.from({ length: stories }, (_, i) => `## Story ${i}\n\nWork item ${i}.\n`).join('\n');
  return `# Plan\n\nIntro.\n\n${big}`;
}

/** How many versions are stored as a change to their parent. */
async function storedAsChanges(h: Harness): Promise<number> {
  const versions = await h.all<BlueprintVersionRecord>('blueprint_versions');
  return versions.filter((v) => v.storedAsChange !== undefined).length;
}

/**
 * A failure double: passes everything to the real store, but the `failAt`-th write of a section batch
 * throws (inside its transaction, so the batch and its checkpoint roll back together), once.
 */
class FailingOnceStore implements DocumentStore {
  sectionWrites = 0;
  private failed = false;
  constructor(
    private readonly inner: DocumentStore,
    private readonly failAt: number,
  ) {}
  ensureCollection: DocumentStore['ensureCollection'] = (spec) => this.inner.ensureCollection(spec);
  collection: DocumentStore['collection'] = (name) => this.inner.collection(name);
  close = (): Promise<void> => this.inner.close();
  transaction<R>(fn: (tx: StoreTransaction) => Promise<R>): Promise<R> {
    return this.inner.transaction((tx) =>
      fn({
        collection: <T extends Doc>(name: string) => {
          const real = tx.collection<T>(name);
          if (name !== 'blueprint_sections') return real;
          return {
            ...real,
            get: real.get.bind(real),
            find: real.find.bind(real),
            upsert: async (doc: T) => {
              if (!this.failed && this.sectionWrites + 1 === this.failAt) {
                this.failed = true;
                throw new Error('injected failure: the process died here');
              }
              this.sectionWrites += 1;
              await real.upsert(doc);
            },
          };
        },
      }),
    );
  }
}

/** A spy: passes everything to the real store, counting reads (`get` and every page of `find`). */
class CountingReadsStore implements DocumentStore {
  reads = 0;
  constructor(private readonly inner: DocumentStore) {}
  ensureCollection: DocumentStore['ensureCollection'] = (spec) => this.inner.ensureCollection(spec);
  transaction: DocumentStore['transaction'] = (fn) => this.inner.transaction(fn);
  close = (): Promise<void> => this.inner.close();
  collection: DocumentStore['collection'] = <T extends Doc>(name: string) => {
    const real = this.inner.collection<T>(name);
    return {
      ...real,
      get: async (id: string) => {
        this.reads += 1;
        return real.get(id);
      },
      find: async (...args: Parameters<typeof real.find>) => {
        this.reads += 1;
        return real.find(...args);
      },
    } as typeof real;
  };
}

describe('ingestSubmittedBlueprint (SQLite store)', () => {
  let dir: string;
  let h: Harness;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-ingest-'));
    h = await harness(dir, 'ingestion.db');
  });
  afterEach(async () => {
    await h.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the event loop a turn after parsing and after storing: a signal is not held up by the whole job', async () => {
    const turnsAtCommit: number[] = [];
    const via = Object.assign(Object.create(h.store) as DocumentStore, {
      transaction: (...args: Parameters<DocumentStore['transaction']>) => {
        turnsAtCommit.push(turns.count);
        return h.store.transaction(...args);
      },
    });
    const turns = countEventLoopTurns();
    const outcome = await h.run(command('job-1', PLAN), via).finally(() => turns.stop());
    expect(outcome).toMatchObject({ status: 'ingested', version: 1 });
    // The job starts after the parse's turn, and the finishing commit comes after storing's: the
    // embedded store answers in microtasks, so without them the whole job would hold the loop.
    expect(turnsAtCommit[0]).toBeGreaterThanOrEqual(1);
    expect(turnsAtCommit.at(-1)).toBeGreaterThan(turnsAtCommit.at(-2) as number);
  });

  it('ingests version 1: text in chunks, sections in batches, blueprint.ingested with every section changed', async () => {
    const outcome = await h.run(command('job-1', PLAN));
    expect(outcome).toMatchObject({ status: 'ingested', version: 1, sectionCount: 6, reused: false });
    if (outcome.status !== 'ingested') throw new Error('not ingested');

    const [ingested, ...more] = await h.announced();
    expect(more).toHaveLength(0);
    expect(ingested?.sections.map((s) => s.title)).toEqual([
      'Shop',
      'Phase 1: Accounts',
      'Story 1.1',
      'Story 1.2',
      'Phase 2: Checkout',
      'Story 2.1',
    ]);
    expect(ingested?.changedSectionIds).toEqual(ingested?.sections.map((s) => s.id));
    expect(ingested?.text).toBe(PLAN);
    expect(ingested?.parentVersion).toBeUndefined();

    const chunks = (await h.all<Doc & { index: number; text: string }>('blueprint_chunks')).sort(
      (a, b) => a.index - b.index,
    );
    expect(chunks).toHaveLength(Math.ceil(PLAN.length / 64));
    expect(chunks.map((c) => c.text).join('')).toBe(PLAN);
    expect(
      await new StoreBlueprintRepository(h.store, new FakeClock()).textOf(`${outcome.blueprintId}:v1`),
    ).toBe(PLAN);
    expect(
      (await h.all<SectionBatchRecord>('blueprint_sections')).map((b) => b.sections.length).sort(),
    ).toEqual([2, 2, 2]);

    const [version] = await h.all<BlueprintVersionRecord>('blueprint_versions');
    expect(version).toMatchObject({ number: 1, status: 'current', changedCount: 6, sectionCount: 6 });
    const [job] = await h.all<IngestionJobRecord>('ingestion_jobs');
    expect(job).toMatchObject({ state: 'succeeded', checkpoint: { sectionsStored: 6 }, totalSections: 6 });

    const progress = await h.events<IngestionProgressV1>('ingestion.progress.v1');
    expect(progress.map((p) => [p.phase, p.done])).toEqual([
      ['parsing', 0],
      ['hashing', 2],
      ['hashing', 4],
      ['hashing', 6],
      ['done', 6],
    ]);
    // The done event carries the version's summary, as blueprint.ingested announces it.
    expect(progress.at(-1)?.ingested).toEqual({
      version: ingested?.version,
      digest: ingested?.digest,
      wordCount: ingested?.wordCount,
    });
    expect(progress.at(-1)?.ingested?.version).toBe(1);
  });

  it('declares its collections with the indexes its reads use', () => {
    expect(blueprintCollections.map((c) => c.name)).toEqual([
      'blueprints',
      'blueprint_versions',
      'blueprint_chunks',
      'blueprint_sections',
      'blueprint_blocks',
      'ingestion_jobs',
    ]);
  });

  it('treats the same text twice as one version: nothing rewritten, announced again for the new job', async () => {
    await h.run(command('job-1', PLAN));
    const chunksBefore = await h.all('blueprint_chunks');
    const second = await h.run(command('job-2', PLAN.replace(/\n/g, '\r\n')));
    expect(second).toMatchObject({ status: 'ingested', version: 1, reused: true, changedCount: 6 });
    expect(await h.all('blueprint_versions')).toHaveLength(1);
    expect(await h.all('blueprint_chunks')).toEqual(chunksBefore);
    const announced = await h.announced();
    expect(announced.map((e) => [e.jobId, e.version])).toEqual([
      ['job-1', 1],
      ['job-2', 1],
    ]);
    // The second job's done event names the version it found, as its blueprint.ingested does.
    const done = (await h.events<IngestionProgressV1>('ingestion.progress.v1')).filter(
      (p) => p.phase === 'done',
    );
    expect(done.map((p) => p.ingested)).toEqual(
      announced.map((e) => ({ version: e.version, digest: e.digest, wordCount: e.wordCount })),
    );
  });

  it('answers a replayed command for a finished job from the job, writing and publishing nothing', async () => {
    await h.run(command('job-1', PLAN));
    const outbox = (await pendingOutbox(h.store, 1000)).length;
    const again = await h.run(command('job-1', PLAN));
    expect(again).toMatchObject({ status: 'ingested', version: 1 });
    if (again.status === 'ingested') expect(again.changedSectionIds).toHaveLength(6);
    expect((await pendingOutbox(h.store, 1000)).length).toBe(outbox);
  });

  it('makes version 2 of an edited text: parent linked and superseded, only the edited section changed, ids kept', async () => {
    const first = await h.run(command('job-1', PLAN));
    const second = await h.run(
      command('job-2', PLAN.replace('Password reset.', 'Password reset by email link.')),
    );
    expect(second).toMatchObject({ status: 'ingested', version: 2, parentVersion: 1, changedCount: 1 });
    if (first.status !== 'ingested' || second.status !== 'ingested') throw new Error('not ingested');
    expect(second.blueprintId).toBe(first.blueprintId);

    const [v1event, v2event] = await h.announced();
    expect(v2event?.sections.map((s) => s.id)).toEqual(v1event?.sections.map((s) => s.id));
    const story12 = v2event?.sections.find((s) => s.title === 'Story 1.2');
    expect(v2event?.changedSectionIds).toEqual([story12?.id]);
    expect(v2event?.parentVersion).toBe(1);

    const versions = (await h.all<BlueprintVersionRecord>('blueprint_versions')).sort(
      (a, b) => a.number - b.number,
    );
    expect(versions.map((v) => [v.number, v.status, v.parentVersion, v.supersededBy])).toEqual([
      [1, 'superseded', undefined, 2],
      [2, 'current', 1, undefined],
    ]);
    const [blueprint] = await h.all<Doc & { currentVersion: number; latestVersion: number }>('blueprints');
    expect(blueprint).toMatchObject({ currentVersion: 2, latestVersion: 2 });
  });

  it('stores (as read back) and announces a version parsed after its parent in memory as one parsed whole', async () => {
    const cached = await harness(dir, 'cached.db', { recentBlocks: new InMemoryRecentBlueprintBlocks() });
    const edits = [
      PLAN,
      PLAN.replace('Password reset.', 'Password reset by email link.'),
      PLAN.replace('Password reset.', 'Password reset by email link.').replace('Pay by card.', 'Pay.'),
      PLAN.replace('### Story 1.2', '### Story 1.2\n\nNew.\n\n### Story 1.3'),
    ];
    for (const [i, text] of edits.entries()) {
      await h.run(command(`job-${i}`, text));
      await cached.run(command(`job-${i}`, text));
    }
    expect(await readBack(cached)).toEqual(await readBack(h));
    // Stored as changes to their parents only where the parent's parse was at hand, and the change
    // small: not v4, whose edit spans from v3's first edit to its second.
    expect(await storedAsChanges(cached)).toBe(2);
    expect(await storedAsChanges(h)).toBe(0);
    expect(await cached.announced()).toEqual(await h.announced());
    await cached.store.close();
  });

  it('announces a version whose parent it parsed as a change to it: one text edit, the edited section, the rest kept', async () => {
    const cached = await harness(dir, 'cached.db', { recentBlocks: new InMemoryRecentBlueprintBlocks() });
    await cached.run(command('job-1', PLAN));
    await cached.run(command('job-2', PLAN.replace('Password reset.', 'Password reset by email link.')));
    const [first] = await cached.events<BlueprintIngestedV1>(BlueprintIngestedV1.type);
    const [change, ...more] = await cached.events<BlueprintIngestedV2>(BlueprintIngestedV2.type);
    expect(more).toEqual([]);
    expect(change?.base).toEqual({ version: 1, digest: first?.digest });
    const at = PLAN.indexOf('Password reset.') + 'Password reset'.length;
    expect(change?.textEdits).toEqual([{ start: at, end: at, text: ' by email link' }]);
    // The edited story whole; its ancestors kept (their own text is unchanged, their ends moved).
    const whole = change?.sections.filter((s) => !('keep' in s));
    expect(whole?.map((s) => ('title' in s ? s.title : ''))).toEqual(['Story 1.2']);
    expect(change?.changedSectionIds).toEqual([whole?.[0] && 'id' in whole[0] ? whole[0].id : '']);
    // A consumer holding version 1 gets the same version 2 as one announced whole.
    const [, wholeV2] = await cached.announced();
    const fresh = await harness(dir, 'fresh.db');
    await fresh.run(command('job-1', PLAN));
    await fresh.run(command('job-2', PLAN.replace('Password reset.', 'Password reset by email link.')));
    expect(await fresh.events(BlueprintIngestedV2.type)).toEqual([]);
    expect(wholeV2).toEqual((await fresh.events<BlueprintIngestedV1>(BlueprintIngestedV1.type))[1]);
    await cached.store.close();
    await fresh.store.close();
  });

  it('finds in a version parsed after its parent in memory the secrets, lines and sections a fresh ingestion finds', async () => {
    const k = fakeSecrets(6);
    const withToken = PLAN.replace('Pay by card.', `Pay by card: GITHUB_TOKEN=${k.githubToken}`);
    const versions = [
      withToken,
      // A key pasted above the token: the token's line moves.
      withToken.replace('Sign-up and login.', `Sign-up and login.\n\n${k.privateKeyPem}\n`),
      // The key's END line gone, a password added below it.
      withToken
        .replace(
          'Sign-up and login.',
          `Sign-up and login.\n\n${k.privateKeyPem.split('\n').slice(0, -1).join('\n')}\n`,
        )
        .replace('Email confirmation.', `Email confirmation.\nDB_PASSWORD = "${k.password}"`),
      PLAN,
    ];
    const cached = await harness(dir, 'cached-secrets.db', {
      recentBlocks: new InMemoryRecentBlueprintBlocks(),
    });
    const fresh = await harness(dir, 'fresh-secrets.db');
    for (const [i, text] of versions.entries()) {
      await cached.run(command(`job-${i + 1}`, text));
      await fresh.run(command(`job-${i + 1}`, text));
    }
    expect(await cached.events(BlueprintIngestedV2.type)).toHaveLength(3);
    const found = (await cached.announced()).map((v) => v.secretFindings);
    expect(found).toEqual((await fresh.announced()).map((v) => v.secretFindings));
    expect(found.map((f) => f?.map((x) => [x.rule, x.line]))).toEqual([
      [['github-pat', 27]],
      [
        ['private-key', 9],
        ['github-pat', 36],
      ],
      [
        ['private-key', 9],
        ['generic-secret', 24],
        ['github-pat', 36],
      ],
      undefined,
    ]);
    const warnings = async (h: Harness) =>
      (await h.events<IngestionProgressV1>('ingestion.progress.v1'))
        .filter((p) => p.phase === 'done')
        .map((p) => p.warnings);
    expect(await warnings(cached)).toEqual(await warnings(fresh));
    await cached.store.close();
    await fresh.store.close();
  });

  it('announces a finished version again, whole, from what it stored, when a consumer asks for it', async () => {
    const cached = await harness(dir, 'cached.db', { recentBlocks: new InMemoryRecentBlueprintBlocks() });
    await cached.run(command('job-1', PLAN));
    const second = await cached.run(
      command(
        'job-2',
        PLAN.replace('Pay by card.', `Pay by card: GITHUB_TOKEN=${fakeSecrets(4).githubToken}`),
      ),
    );
    if (second.status !== 'ingested') throw new Error('not ingested');
    const asked = { projectId: 'proj-1', blueprintId: second.blueprintId, version: 2, jobId: 'job-2' };
    const again = await cached.announce(asked);
    // The same version 2 a consumer holding version 1 makes of the change, secrets found again.
    expect(again).toEqual((await cached.announced())[1]);
    expect(again.secretFindings).toEqual([expect.objectContaining({ rule: 'github-pat' })]);
    await expect(cached.announce({ ...asked, version: 9 })).rejects.toMatchObject({
      code: 'BUS_NON_RETRYABLE',
      message: expect.stringContaining('no finished version 9'),
    });
    await cached.store.close();
  });

  describe('a new process, holding no parse of the last version, rebuilding it from the store', () => {
    const SNIPPETS = [
      '# H\n',
      '## Sub\n',
      '### Story 1.1\n',
      '## Story `1.2` *now*\n',
      'Setext\n---\n',
      'text\n',
      `${FENCE}\n`,
      '\n',
      '[spec]: /moved "T"\n',
      '## See [spec]\n',
      'word',
    ];
    const parses = (text: string) => {
      try {
        parseBlueprint(text, { hash: (s) => s });
        return true;
      } catch {
        return false; // rejected or an offset error: ingesting it throws or refuses in every process alike
      }
    };

    it('stores (as read back) and announces what a process with the parse in memory and one without any store, over 40 seeded random edits', async () => {
      const recentBlocks = new InMemoryRecentBlueprintBlocks();
      const carried = await harness(dir, 'carried.db', { recentBlocks });
      const restored = await harness(dir, 'restored.db');
      const random = seededRandom(2718);
      let text = LINKED_PLAN_MARKDOWN;
      let versions = 0;
      try {
        for (let i = 0; i < 40; i++) {
          const cmd = command(`job-${i}`, text);
          const outcomes = [
            await carried.run(cmd),
            // A new process each time: an empty parse cache.
            await restored.run(cmd, restored.store, { recentBlocks: new InMemoryRecentBlueprintBlocks() }),
            await h.run(cmd),
          ];
          // Apart from the announcement's form (v1 or v2), compared below as announced.
          const [a, b, c] = outcomes.map((o) => ({ ...o, ingested: undefined }));
          expect(b).toEqual(a);
          expect(c).toEqual(a);
          const outcome = outcomes[0]!;
          if (outcome.status === 'ingested') {
            versions = outcome.version;
            // The memo rebuilt from the store is the one the process that parsed the version holds.
            const rebuilt = await restoreParse(
              new StoreBlueprintRepository(restored.store, new FakeClock()),
              outcome.blueprintId,
            );
            expect(rebuilt).toEqual({
              version: outcome.version,
              parse: { digest: outcome.digest, memo: recentBlocks.get(outcome.blueprintId)?.memo },
            });
          }
          let next = text;
          while (next === text || !parses(next)) {
            const at = Math.floor(random() * (text.length + 1));
            const cut = random() < 0.3 ? Math.min(text.length, at + 1 + Math.floor(random() * 20)) : at;
            next = text.slice(0, at) + SNIPPETS[Math.floor(random() * SNIPPETS.length)]! + text.slice(cut);
          }
          text = next;
        }
        expect(versions).toBeGreaterThan(30);
        // Stored whole by the process without a parse cache, mostly as changes by the others: read
        // back, the same versions.
        const stored = await readBack(h);
        expect(await readBack(carried)).toEqual(stored);
        expect(await readBack(restored)).toEqual(stored);
        expect(await storedAsChanges(carried)).toBeGreaterThan(20);
        expect(await storedAsChanges(restored)).toBeGreaterThan(20);
        expect(await storedAsChanges(h)).toBe(0);
        // Only a parse carried in memory is announced as a change; rebuilt, the version goes whole.
        expect((await carried.events(BlueprintIngestedV2.type)).length).toBeGreaterThan(30);
        expect(await restored.events(BlueprintIngestedV2.type)).toEqual([]);
        expect(await restored.events(BlueprintIngestedV1.type)).toEqual(
          await h.events(BlueprintIngestedV1.type),
        );
        expect(await carried.announced()).toEqual(await h.announced());
        const progress = 'ingestion.progress.v1';
        expect(await restored.events(progress)).toEqual(await h.events(progress));
        expect(await carried.events(progress)).toEqual(await h.events(progress));
      } finally {
        await carried.store.close();
        await restored.store.close();
      }
    });

    it('reads versions stored whole (as every version was before changes were stored) and stores the next as a change to one', async () => {
      // Records exactly in the shape written before versions were stored as changes.
      const first = await h.run(command('job-1', PLAN));
      if (first.status !== 'ingested') throw new Error('not ingested');
      const [v1] = await h.all<BlueprintVersionRecord>('blueprint_versions');
      expect(Object.keys(v1!).sort()).toEqual(
        [
          '_id',
          'blueprintId',
          'projectId',
          'number',
          'status',
          'digest',
          'filesKey',
          'title',
          'chars',
          'wordCount',
          'chunkCount',
          'sectionCount',
          'changedCount',
          'jobId',
          'createdAt',
          'sourcePath',
          'ingestedAt',
          'version',
        ].sort(),
      );
      const batches = await h.all<SectionBatchRecord>('blueprint_sections');
      expect(batches.every((b) => b.sections.every((s) => 'id' in s && s.changed === true))).toBe(true);

      const edited = command('job-2', PLAN.replace('Pay by card.', 'Pay by card or invoice.'));
      // A new process: the parse of version 1 rebuilt from those records, version 2 stored as a change.
      await h.run(edited, h.store, { recentBlocks: new InMemoryRecentBlueprintBlocks() });
      const v2 = (await h.all<BlueprintVersionRecord>('blueprint_versions')).find((v) => v.number === 2);
      expect(v2?.storedAsChange).toMatchObject({ parentVersion: 1, depth: 1 });
      const fresh = await harness(dir, 'fresh.db');
      try {
        await fresh.run(command('job-1', PLAN));
        await fresh.run(edited);
        expect(await storedAsChanges(fresh)).toBe(0);
        expect(await readBack(h)).toEqual(await readBack(fresh));
        const repo = new StoreBlueprintRepository(h.store, new FakeClock());
        expect(await restoreParse(repo, first.blueprintId)).toEqual(
          await restoreParse(new StoreBlueprintRepository(fresh.store, new FakeClock()), first.blueprintId),
        );
      } finally {
        await fresh.store.close();
      }
    });

    it('parses whole the next version of one stored without its blocks, as before they were stored', async () => {
      const first = await h.run(command('job-1', PLAN));
      if (first.status !== 'ingested') throw new Error('not ingested');
      const repo = new StoreBlueprintRepository(h.store, new FakeClock());
      expect(await restoreParse(repo, first.blueprintId)).toBeDefined();
      await h.store.collection('blueprint_blocks').delete(blocksDocId(`${first.blueprintId}:v1`));
      expect(await restoreParse(repo, first.blueprintId)).toBeUndefined();

      const fresh = await harness(dir, 'fresh.db');
      try {
        await fresh.run(command('job-1', PLAN));
        const edited = command('job-2', PLAN.replace('Pay by card.', 'Pay by card or invoice.'));
        const outcome = await h.run(edited, h.store, { recentBlocks: new InMemoryRecentBlueprintBlocks() });
        expect(outcome).toEqual(await fresh.run(edited));
        expect(outcome).toMatchObject({ status: 'ingested', version: 2, changedCount: 1 });
        expect(await h.events(BlueprintIngestedV1.type)).toEqual(
          await fresh.events(BlueprintIngestedV1.type),
        );
        // The new version stores its blocks: the one after it is lexed only where it changes.
        expect(await restoreParse(repo, first.blueprintId)).toMatchObject({ version: 2 });
      } finally {
        await fresh.store.close();
      }
    });

    it('lexes only around the edit when the parent stored its blocks, the whole text when it did not', async () => {
      // The length of every source marked's block lexer is handed (nested blocks too).
      const lexed: number[] = [];
      const blockTokens = Lexer.prototype.blockTokens;
      const spy = jest.spyOn(Lexer.prototype, 'blockTokens').mockImplementation(function (
        this: Lexer,
        ...args: Parameters<Lexer['blockTokens']>
      ) {
        lexed.push(args[0].length);
        return blockTokens.apply(this, args);
      });
      try {
        const newProcess = () => ({ recentBlocks: new InMemoryRecentBlueprintBlocks() });
        const first = await h.run(command('job-1', PLAN), h.store, newProcess());
        if (first.status !== 'ingested') throw new Error('not ingested');
        const v2 = PLAN.replace('Pay by card.', 'Pay by card or invoice.');
        lexed.length = 0;
        expect(await h.run(command('job-2', v2), h.store, newProcess())).toMatchObject({ version: 2 });
        const aroundEdit = lexed.reduce((sum, n) => sum + n, 0);
        expect(aroundEdit).toBeLessThan(v2.length / 4);

        await h.store.collection('blueprint_blocks').delete(blocksDocId(`${first.blueprintId}:v2`));
        const v3 = v2.replace('Pay by card or invoice.', 'Pay by invoice.');
        lexed.length = 0;
        expect(await h.run(command('job-3', v3), h.store, newProcess())).toMatchObject({ version: 3 });
        expect(lexed[0]).toBe(v3.length);
      } finally {
        spy.mockRestore();
      }
    });

    it('rebuilds nothing for a blueprint last stored split in files', async () => {
      const files = [
        { path: 'docs/accounts.md', start: 0 },
        { path: 'docs/checkout.md', start: PLAN.indexOf('## Phase 2') },
      ];
      const outcome = await h.run({ ...command('job-1', PLAN), files });
      if (outcome.status !== 'ingested') throw new Error('not ingested');
      expect(await h.all('blueprint_blocks')).toEqual([]);
      const repo = new StoreBlueprintRepository(h.store, new FakeClock());
      expect(await restoreParse(repo, outcome.blueprintId)).toBeUndefined();
    });
  });

  it('compares a one-file edit with its parent as stored when the parent is the same text split in files', async () => {
    const cached = await harness(dir, 'cached.db', { recentBlocks: new InMemoryRecentBlueprintBlocks() });
    const files = [
      { path: 'docs/accounts.md', start: 0 },
      { path: 'docs/checkout.md', start: PLAN.indexOf('## Phase 2') },
    ];
    const edited = PLAN.replace('Pay by card.', 'Pay by card or invoice.');
    // v1 one file; v2 the same text in two files (other section ids); v3 one file again, one edit.
    for (const [i, cmd] of [
      command('job-1', PLAN),
      { ...command('job-2', PLAN), files },
      command('job-3', edited),
    ].entries()) {
      await h.run(cmd);
      expect(await cached.run(cmd)).toMatchObject({ status: 'ingested', version: i + 1 });
    }
    const announced = await cached.announced();
    expect(announced).toEqual(await h.announced());
    const [v1, v2, v3] = announced;
    expect(v2?.sections.map((s) => s.file)).toEqual([
      ...Array(4).fill('docs/accounts.md'),
      ...Array(2).fill('docs/checkout.md'),
    ]);
    expect(v3?.sections.every((s) => s.file === undefined)).toBe(true);
    expect(v3?.sections.map((s) => s.id)).toEqual(v1?.sections.map((s) => s.id));
    // Every v3 section is new against v2's ids, not only the one edited since v1 (the parse in memory).
    expect(v3?.changedSectionIds).toEqual(v3?.sections.map((s) => s.id));
    await cached.store.close();
  });

  describe('a job resumed by a process batching otherwise', () => {
    const v2 = PLAN.replace('Pay by card.', 'Pay by card or invoice.');

    /** Y (batches of 2, a parse cache) ingests v1; X (batches of 3) dies after v2's first batch; Y resumes. */
    async function resumeAcrossBatchSizes(): Promise<void> {
      const y: ProcessSetup = {
        options: { ...OPTIONS, sectionsPerStep: 2 },
        recentBlocks: new InMemoryRecentBlueprintBlocks(),
      };
      await h.run(command('job-1', PLAN), h.store, y);
      const x: ProcessSetup = { options: { ...OPTIONS, sectionsPerStep: 3 } };
      await expect(h.run(command('job-2', v2), new FailingOnceStore(h.store, 2), x)).rejects.toThrow(
        'injected failure',
      );
      await h.run(command('job-2', v2), h.store, y);
    }

    it('resumes a version stored as a change in a process holding no parse, ending as a whole one reads', async () => {
      const y: ProcessSetup = { options: OPTIONS, recentBlocks: new InMemoryRecentBlueprintBlocks() };
      await h.run(command('job-1', PLAN), h.store, y);
      await expect(h.run(command('job-2', v2), new FailingOnceStore(h.store, 2), y)).rejects.toThrow(
        'injected failure',
      );
      const [stopped] = (await h.all<IngestionJobRecord>('ingestion_jobs')).filter((j) => j._id === 'job-2');
      expect(stopped).toMatchObject({ state: 'running', checkpoint: { sectionsStored: 2 } });
      // Resumed by a process without a parse cache: the parent's sections read from the store.
      await h.run(command('job-2', v2), h.store, { options: OPTIONS });
      expect(await storedAsChanges(h)).toBe(1);
      const fresh = await harness(dir, 'fresh.db');
      try {
        await fresh.run(command('job-1', PLAN));
        await fresh.run(command('job-2', v2));
        expect(await readBack(h)).toEqual(await readBack(fresh));
        expect(await h.announced()).toEqual(await fresh.announced());
      } finally {
        await fresh.store.close();
      }
    });

    it('reads back the sections it announced', async () => {
      await resumeAcrossBatchSizes();
      const announced = (await h.announced()).find((e) => e.version === 2)!;
      const stored = await new StoreBlueprintRepository(h.store, new FakeClock()).sectionsOf(
        `${announced.blueprintId}:v2`,
      );
      expect(stored.map(memoSection)).toEqual(announced.sections);
    });

    it('leaves the next version, in a process without a parse cache, the right changed sections', async () => {
      await resumeAcrossBatchSizes();
      const v3 = v2.replace('Sign-up and login.', 'Sign-up, login and logout.');
      const outcome = await h.run(command('job-3', v3));
      if (outcome.status !== 'ingested') throw new Error('not ingested');
      const titles = new Map((await h.announced()).at(-1)!.sections.map((s) => [s.id, s.title]));
      expect(outcome.changedSectionIds.map((id) => titles.get(id))).toEqual(['Phase 1: Accounts']);
    });
  });

  it('reads the 30th version of a chain of one-line edits in one page of chunks and one of batches per version of its chain', async () => {
    const recentBlocks = new InMemoryRecentBlueprintBlocks();
    let text = PLAN;
    for (let v = 1; v <= 30; v++) {
      text = text.replace(/Pay by card[^\n]*/, `Pay by card, edit ${v}.`);
      await h.run(command(`job-${v}`, text), h.store, { recentBlocks });
    }
    const [version] = await h.all<BlueprintVersionRecord>('blueprint_versions');
    const counting = new CountingReadsStore(h.store);
    const repo = new StoreBlueprintRepository(counting, new FakeClock());
    expect(await repo.textOf(`${version!.blueprintId}:v30`)).toBe(text);
    const textReads = counting.reads;
    counting.reads = 0;
    expect(await repo.sectionsOf(`${version!.blueprintId}:v30`)).toHaveLength(6);
    // A record and a page of chunks (of batches) for each version from the last one stored whole:
    // every (MAX_STORED_CHANGE_DEPTH + 1)th version is.
    const v30 = await h.store
      .collection<BlueprintVersionRecord>('blueprint_versions')
      .get(`${version!.blueprintId}:v30`);
    const chain = 1 + ((30 - 1) % (MAX_STORED_CHANGE_DEPTH + 1));
    expect((v30?.storedAsChange?.depth ?? 0) + 1).toBe(chain);
    expect({ textReads, sectionReads: counting.reads }).toEqual({
      textReads: 2 * chain,
      sectionReads: 2 * chain,
    });
  });

  it.each([
    ['headings only', '# One\n\n## Two\n', 'HEADINGS_ONLY'],
    ['whitespace', '  \n\n', 'EMPTY'],
    ['1000 nested quotes', `# A\n\n${'>'.repeat(1000)} x\n`, 'TOO_DEEP'],
    ['a NUL', '# A\n\nx\u0000y\n', 'BINARY'],
  ])('refuses %s before writing anything but the failed job', async (_name, text, reason) => {
    const outcome = await h.run(command('job-bad', text));
    expect(outcome.status).toBe('rejected');
    if (outcome.status === 'rejected') expect(outcome.error.reason).toBe(reason);
    for (const c of ['blueprints', 'blueprint_versions', 'blueprint_chunks', 'blueprint_sections']) {
      expect(await h.all(c)).toEqual([]);
    }
    const [job] = await h.all<IngestionJobRecord>('ingestion_jobs');
    expect(job).toMatchObject({ state: 'failed', error: { reason, code: 'INGESTION_BLUEPRINT_REJECTED' } });
    const [failed] = await h.events<IngestionProgressV1>('ingestion.progress.v1');
    expect(failed).toMatchObject({ phase: 'failed', error: { code: `INGESTION_${reason}` } });
    expect((await h.run(command('job-bad', text))).status).toBe('rejected');
  });

  it('resumes a job killed mid-way from its checkpoint, never rewriting a stored batch, ending as a clean run does', async () => {
    const text = storiesPlan(40);
    const failing = new FailingOnceStore(h.store, 5);

    await expect(h.run(command('job-r', text), failing)).rejects.toThrow('injected failure');
    expect(failing.sectionWrites).toBe(4);
    const [stopped] = await h.all<IngestionJobRecord>('ingestion_jobs');
    expect(stopped).toMatchObject({ state: 'running', checkpoint: { sectionsStored: 8 } });
    expect(await h.all('blueprint_sections')).toHaveLength(4);

    const resumed = await h.run(command('job-r', text), failing);
    expect(resumed).toMatchObject({ status: 'ingested', version: 1, sectionCount: 41 });
    // 41 sections in batches of 2 = 21 batches: 4 before the failure, 17 after, none twice.
    expect(failing.sectionWrites).toBe(21);
    expect(await h.events('blueprint.ingested.v1')).toHaveLength(1);

    const clean = await harness(dir, 'clean.db');
    try {
      await clean.run(command('job-r', text));
      for (const c of [
        'blueprints',
        'blueprint_versions',
        'blueprint_chunks',
        'blueprint_sections',
        'ingestion_jobs',
      ]) {
        const strip = (docs: Doc[]) => docs.map(({ updatedAt: _u, ...rest }) => rest);
        expect(strip(await h.all(c))).toEqual(strip(await clean.all(c)));
      }
    } finally {
      await clean.store.close();
    }
  });

  it('resumes a job a process with larger batches and chunks killed, losing no section and no text', async () => {
    const text = storiesPlan(40);
    // The killed process wrote batches of 2 sections and chunks of 64 characters; the one resuming
    // writes 5 and 200 (a release that changed its defaults, say).
    const failing = new FailingOnceStore(h.store, 5);
    await expect(h.run(command('job-r', text), failing)).rejects.toThrow('injected failure');
    const [stopped] = await h.all<IngestionJobRecord>('ingestion_jobs');
    expect(stopped).toMatchObject({ state: 'running', checkpoint: { sectionsStored: 8 } });

    const larger = { options: { ...OPTIONS, chunkChars: 200, sectionsPerStep: 5 } };
    expect(await h.run(command('job-r', text), h.store, larger)).toMatchObject({
      status: 'ingested',
      sectionCount: 41,
    });
    const clean = await harness(dir, 'clean.db');
    try {
      await clean.run(command('job-r', text));
      expect(await readBack(h)).toEqual(await readBack(clean));
      expect(await h.announced()).toEqual(await clean.announced());
    } finally {
      await clean.store.close();
    }
  });

  it("resumes a job recorded before its step sizes were stored with the process's own", async () => {
    const text = storiesPlan(12);
    await expect(h.run(command('job-r', text), new FailingOnceStore(h.store, 2))).rejects.toThrow(
      'injected failure',
    );
    const jobs = h.store.collection<IngestionJobRecord>('ingestion_jobs');
    const { steps, ...older } = (await jobs.get('job-r'))!;
    expect(steps).toEqual({ chunkChars: OPTIONS.chunkChars, sectionsPerStep: OPTIONS.sectionsPerStep });
    await jobs.upsert(older);

    expect(await h.run(command('job-r', text))).toMatchObject({ status: 'ingested', sectionCount: 13 });
    const clean = await harness(dir, 'clean.db');
    try {
      await clean.run(command('job-r', text));
      expect(await readBack(h)).toEqual(await readBack(clean));
    } finally {
      await clean.store.close();
    }
  });

  it('refuses to resume a job id with a different text', async () => {
    const failing = new FailingOnceStore(h.store, 1);
    await expect(h.run(command('job-x', PLAN), failing)).rejects.toThrow('injected failure');
    await expect(h.run(command('job-x', PLAN + '\nmore\n'))).rejects.toMatchObject({
      code: 'BUS_NON_RETRYABLE',
    });
  });
  it('finds secrets while ingesting: findings on blueprint.ingested, warnings with file and line on the final progress, never the secret', async () => {
    const secrets = fakeSecrets(3);
    const text = [
      '# Deploy',
      '',
      'How we ship.',
      '',
      '## Story 1: CI token',
      '',
      `Set GITHUB_TOKEN=${secrets.githubToken} in the pipeline.`,
      '',
      '## Story 2: Keys',
      '',
      secrets.privateKeyPem,
      '',
    ].join('\n');
    const outcome = await h.run(command('job-s', text));
    expect(outcome.status).toBe('ingested');

    const [ingested] = await h.announced();
    // The blueprint itself keeps its text: it is the blueprint.
    expect(ingested?.text).toBe(text);
    const story1 = ingested?.sections.find((s) => s.title === 'Story 1: CI token');
    const story2 = ingested?.sections.find((s) => s.title === 'Story 2: Keys');
    expect(ingested?.secretFindings).toEqual([
      expect.objectContaining({ rule: 'github-pat', line: 7, file: 'docs/shop.md', sectionId: story1?.id }),
      expect.objectContaining({ rule: 'private-key', line: 11, file: 'docs/shop.md', sectionId: story2?.id }),
    ]);
    const [token, key] = ingested?.secretFindings ?? [];
    expect(text.slice(token!.start, token!.end)).toBe(secrets.githubToken);
    expect(text.slice(key!.start, key!.end)).toBe(secrets.privateKeyPem);
    expect(ingested?.secretRulesVersion).toMatch(/^\d+\./);

    const progress = await h.events<IngestionProgressV1>('ingestion.progress.v1');
    const done = progress.find((p) => p.phase === 'done');
    expect(done?.warnings?.map((w) => [w.code, w.file, w.line, w.rule])).toEqual([
      ['INGESTION_SECRET_IN_BLUEPRINT', 'docs/shop.md', 7, 'github-pat'],
      ['INGESTION_SECRET_IN_BLUEPRINT', 'docs/shop.md', 11, 'private-key'],
    ]);
    expect(done?.warnings?.[0]?.message).toMatch(/^docs\/shop\.md:7: a GitHub personal access token/);
    const published = JSON.stringify(progress);
    for (const secret of [secrets.githubToken, ...secrets.privateKeyLines])
      expect(published).not.toContain(secret);
  });

  it('announces no findings and no warnings for a blueprint without secrets', async () => {
    await h.run(command('job-clean', PLAN));
    const [ingested] = await h.announced();
    expect(ingested?.secretFindings).toBeUndefined();
    const progress = await h.events<IngestionProgressV1>('ingestion.progress.v1');
    expect(progress.every((p) => p.warnings === undefined)).toBe(true);
  });
});
