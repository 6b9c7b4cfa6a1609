import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetUpdatedV1, type Envelope } from '@autopilot/contracts';
import { ulidSource } from '@autopilot/kernel';
import { outboxEnvelopesFor } from '@autopilot/runtime';
import {
  declareOutbox,
  pendingOutbox,
  StoreRevisionConflictError,
  type Collection,
  type Doc,
  type DocumentStore,
} from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { FakeClock } from '@autopilot/testing';
import { BUDGET_LEDGER_COLLECTIONS, StoreBudgetLedgerRepository } from './budget-ledger-repository';
import { PROJECT_BUDGET_COLLECTIONS } from './project-budget-repository';

let dir: string;
let store: DocumentStore;
const clock = new FakeClock();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'governance-ledger-'));
  store = await openSqliteStore({ file: join(dir, 'governance.db') });
  for (const c of [...PROJECT_BUDGET_COLLECTIONS, ...BUDGET_LEDGER_COLLECTIONS])
    await store.ensureCollection(c);
  await declareOutbox(store);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The store, except that in its first `conflicts` transactions another writer slips a new revision
 * of a window in just before the ledger's compare-and-set (what MongoDB's concurrent transactions
 * do; SQLite runs them one at a time): the real revision check refuses the write.
 */
function racingStore(conflicts: number): DocumentStore {
  let transactions = 0;
  return {
    ...store,
    collection: (name) => store.collection(name),
    ensureCollection: (spec) => store.ensureCollection(spec),
    close: () => store.close(),
    transaction: (fn) =>
      store.transaction((tx) => {
        transactions++;
        const racing = transactions <= conflicts;
        return fn({
          collection: <T extends Doc>(name: string): Collection<T> => {
            const inner = tx.collection<T>(name);
            if (!racing || name !== 'budget_windows') return inner;
            return {
              ...inner,
              get: (id) => inner.get(id),
              upsert: (doc) => inner.upsert(doc),
              replaceIfVersion: async (doc, expected) => {
                await inner.upsert({ ...doc, version: expected + 7 });
                return inner.replaceIfVersion(doc, expected);
              },
            };
          },
        });
      }),
  };
}

const envelopes = outboxEnvelopesFor({ source: 'governance', clock, ids: ulidSource() });
const event = (): Envelope =>
  envelopes.build(BudgetUpdatedV1, {
    projectId: 'p1',
    caps: { runUsd: 1, dailyUsd: 1, weeklyUsd: 1 },
    daily: { periodStart: clock.isoNow(), spentUsd: 0, reservedUsd: 1 },
    weekly: { periodStart: clock.isoNow(), spentUsd: 0, reservedUsd: 1 },
    updatedAt: clock.isoNow(),
    revision: 1,
  });

describe('StoreBudgetLedgerRepository', () => {
  const hold = { heldMicros: 1, spentMicros: 0, warned: false, exceeded: false };

  it('decides again on fresh rows after a revision conflict, and commits once', async () => {
    let decisions = 0;
    const ledger = new StoreBudgetLedgerRepository(racingStore(2), clock);
    const result = await ledger.update(async (reads) => {
      decisions++;
      await reads.windows(['daily/p1/2026-01-01']);
      return { result: 'ok', windows: { 'daily/p1/2026-01-01': hold }, events: [event()] };
    });
    expect(result).toBe('ok');
    expect(decisions).toBe(3);
    expect(await pendingOutbox(store, 10)).toHaveLength(1);
    expect(await store.collection('budget_windows').get('daily/p1/2026-01-01')).toMatchObject({
      ...hold,
      version: 1,
    });
  });

  it('gives up after its bounded attempts with the conflict, having written nothing', async () => {
    const ledger = new StoreBudgetLedgerRepository(racingStore(10), clock, 3);
    await expect(
      ledger.update(async (reads) => {
        await reads.windows(['daily/p1/2026-01-01']);
        return { result: 'ok', windows: { 'daily/p1/2026-01-01': hold }, events: [event()] };
      }),
    ).rejects.toBeInstanceOf(StoreRevisionConflictError);
    expect(await pendingOutbox(store, 10)).toEqual([]);
    expect(await store.collection('budget_windows').get('daily/p1/2026-01-01')).toBeNull();
  });

  it('refuses to write a row it did not read (no blind writes past the revision check)', async () => {
    const ledger = new StoreBudgetLedgerRepository(store, clock);
    await expect(
      ledger.update(async () => ({ result: 'x', windows: { 'daily/p1/2026-01-01': hold }, events: [] })),
    ).rejects.toThrow(/not read first/);
  });
});
