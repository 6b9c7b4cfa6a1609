import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Envelope } from '@autopilot/contracts';
import type { Clock } from '@autopilot/kernel';
import { FakeClock } from '@autopilot/testing';
import { MAX_DOCUMENT_BYTES, type Collection, type Doc, type DocumentStore } from '../document-store';
import { declareInbox, handleOnce, INBOX_COLLECTION } from '../inbox';
import {
  appendToOutbox,
  commitWithOutbox,
  declareOutbox,
  failedOutbox,
  limitOutboxEnvelopes,
  markFailed,
  markPublished,
  OUTBOX_COLLECTION,
  OUTBOX_ENVELOPE_PARTS_COLLECTION,
  OUTBOX_ENVELOPES_COLLECTION,
  OUTBOX_PART_CHARS,
  onOutboxAppend,
  OutboxEnvelopeTooLargeError,
  outboxStates,
  pendingOutbox,
  pendingOutboxPage,
  prunePublishedOutbox,
} from '../outbox';

/**
 * The one DocumentStore suite both adapters run (STYLE.md section 4). If a behaviour is not here,
 * callers cannot rely on it. Each test uses fresh collection names, so a shared server database is
 * fine; the outbox and inbox tests clear their fixed collections first.
 */

interface Item extends Doc {
  n?: number | string | boolean | null | (number | string)[];
  s?: string | string[];
  tags?: string[];
  meta?: { kind?: string; rank?: number };
  version?: number;
}

interface Counter extends Doc {
  spent?: number;
  label?: string;
}

interface Lease extends Doc {
  holder: string;
  expiresAt: number;
}

/**
 * The declared name behind a collection handle created by `declare()`. Collections do not expose
 * their name on the port, so the suite remembers it.
 */
const names = new WeakMap<object, string>();
function collectionName(collection: object): string {
  const name = names.get(collection);
  if (name === undefined) throw new Error('collection was not created by declare()');
  return name;
}

let sequence = 0;
/** A collection name no other test (or earlier run against the same server) uses. */
function uniqueName(base: string): string {
  sequence += 1;
  return `${base}_${Date.now().toString(36)}_${sequence.toString(36)}`;
}

function envelope(id: string, n: number): Envelope {
  return {
    id,
    type: 'test.ping.v1',
    source: 'conformance',
    time: new Date(0).toISOString(),
    subject: 'ap.v1.evt.test.ping',
    data: { n },
  };
}

const ids = (docs: readonly Doc[]): string[] => docs.map((d) => d._id);

/**
 * Registers the conformance suite for the store `make` returns (a fresh store per test). `make`
 * must pass `clock` to the store: lease expiry is tested by moving it, not by waiting. It starts at
 * the real time, so a server-side expiry monitor (MongoDB's TTL) never removes what the fake clock
 * still sees as live.
 */
export function documentStoreConformance(
  name: string,
  make: (opts: { clock: Clock }) => Promise<DocumentStore>,
): void {
  describe(`${name} honours DocumentStore`, () => {
    let store: DocumentStore;
    let clock: FakeClock;
    beforeEach(async () => {
      clock = new FakeClock(Date.now());
      store = await make({ clock });
    });
    afterEach(async () => {
      await store.close();
    });

    async function declare<T extends Doc>(
      base: string,
      spec: {
        indexes?: Array<{ fields: Record<string, 1 | -1>; unique?: boolean }>;
        expiresAtField?: string;
      } = {},
    ): Promise<Collection<T>> {
      const collection = uniqueName(base);
      await store.ensureCollection({ name: collection, ...spec });
      const handle = store.collection<T>(collection);
      names.set(handle, collection);
      return handle;
    }

    /** A collection holding a small fixed data set for the filter tests. */
    async function sample(indexed: boolean): Promise<Collection<Item>> {
      const items = await declare<Item>(
        'filters',
        indexed
          ? {
              indexes: [{ fields: { n: 1 } }, { fields: { 'meta.kind': 1, s: -1 } }, { fields: { tags: 1 } }],
            }
          : {},
      );
      const docs: Item[] = [
        { _id: 'a', n: 1, s: 'apple', tags: ['red', 'fruit'], meta: { kind: 'x', rank: 3 } },
        { _id: 'b', n: 2, s: 'banana', tags: ['yellow', 'fruit'], meta: { kind: 'y', rank: 1 } },
        { _id: 'c', n: 3, s: 'cherry', tags: ['red'], meta: { kind: 'x', rank: 2 } },
        { _id: 'd', n: '2', s: 'date' },
        { _id: 'e', n: true, s: 'elder' },
        { _id: 'f', n: null, s: 'fig' },
        { _id: 'g', s: 'grape', meta: {} },
      ];
      for (const doc of docs) await items.insert(doc);
      return items;
    }

    const all = async (c: Collection<Item>, filter: Record<string, unknown>): Promise<string[]> =>
      ids((await c.find(filter, { sort: { _id: 1 } })).items).sort();

    describe('documents', () => {
      it('inserts and gets a document back unchanged; get of a missing id is null', async () => {
        const items = await declare<Item>('basic');
        const doc: Item = { _id: 'one', n: 1.5, s: 'x', tags: ['a'], meta: { kind: 'k', rank: 0 } };
        await items.insert(doc);
        expect(await items.get('one')).toEqual(doc);
        expect(await items.get('missing')).toBeNull();
      });

      it('refuses a second document with the same _id (StoreDuplicateKeyError) and keeps the first', async () => {
        const items = await declare<Item>('dup');
        await items.insert({ _id: 'one', s: 'first' });
        await expect(items.insert({ _id: 'one', s: 'second' })).rejects.toMatchObject({
          code: 'STORE_DUPLICATE_KEY',
          collection: expect.any(String),
        });
        expect((await items.get('one'))?.s).toBe('first');
      });

      it('leaves documents whose unique field is missing or null out of the unique index', async () => {
        const users = await declare<Item>('unique_null', { indexes: [{ fields: { s: 1 }, unique: true }] });
        await users.insert({ _id: 'missing1' });
        await users.insert({ _id: 'missing2' });
        await users.insert({ _id: 'null1', s: null as unknown as string });
        await users.insert({ _id: 'null2', s: null as unknown as string });
        await users.insert({ _id: 'set', s: 'x' });
        await expect(users.insert({ _id: 'again', s: 'x' })).rejects.toMatchObject({
          code: 'STORE_DUPLICATE_KEY',
        });
        expect(await users.count()).toBe(5);
      });

      it('enforces a declared unique index and allows repeats on a plain one', async () => {
        const users = await declare<Item>('unique', {
          indexes: [{ fields: { s: 1 }, unique: true }, { fields: { n: 1 } }],
        });
        await users.insert({ _id: 'u1', s: 'ann@example.com', n: 1 });
        await users.insert({ _id: 'u2', s: 'bob@example.com', n: 1 });
        await expect(users.insert({ _id: 'u3', s: 'ann@example.com' })).rejects.toMatchObject({
          code: 'STORE_DUPLICATE_KEY',
        });
        await expect(users.upsert({ _id: 'u2', s: 'ann@example.com' })).rejects.toMatchObject({
          code: 'STORE_DUPLICATE_KEY',
        });
        expect(await users.count()).toBe(2);
      });

      it('refuses a document past MAX_DOCUMENT_BYTES on every write (StoreDocumentTooLargeError) and writes nothing', async () => {
        const items = await declare<Item>('too_large');
        // Just under the limit is stored; a few bytes more are refused, by insert, upsert and replace.
        const fits = 'x'.repeat(MAX_DOCUMENT_BYTES - 1024);
        await items.insert({ _id: 'fits', s: fits });
        expect((await items.get('fits'))?.s).toHaveLength(fits.length);
        const large = { _id: 'large', s: 'x'.repeat(MAX_DOCUMENT_BYTES) };
        const refused = { code: 'STORE_DOCUMENT_TOO_LARGE', id: 'large', limit: MAX_DOCUMENT_BYTES };
        await expect(items.insert(large)).rejects.toMatchObject(refused);
        await expect(items.upsert(large)).rejects.toMatchObject(refused);
        await expect(items.replaceIfVersion(large, 0)).rejects.toMatchObject(refused);
        expect(await items.get('large')).toBeNull();
        // Counted in bytes: a string of 3-byte characters is too large at a third of the length.
        const wide = { _id: 'large', s: '€'.repeat(MAX_DOCUMENT_BYTES / 3 + 1) };
        await expect(items.insert(wide)).rejects.toMatchObject(refused);
      });

      it('declaring a collection twice is harmless and keeps its documents', async () => {
        const name = uniqueName('twice');
        await store.ensureCollection({ name, indexes: [{ fields: { n: 1 } }] });
        await store.collection<Item>(name).insert({ _id: 'x', n: 1 });
        await store.ensureCollection({ name, indexes: [{ fields: { n: 1 } }, { fields: { s: 1 } }] });
        expect(await store.collection<Item>(name).get('x')).toEqual({ _id: 'x', n: 1 });
      });

      it('refuses an undeclared collection with StoreUnknownCollectionError', () => {
        expect(() => store.collection('never_declared')).toThrow(
          expect.objectContaining({ code: 'STORE_UNKNOWN_COLLECTION' }),
        );
      });

      it('upsert inserts when absent and replaces the whole document when present', async () => {
        const items = await declare<Item>('upsert');
        await items.upsert({ _id: 'x', s: 'one', n: 1 });
        await items.upsert({ _id: 'x', s: 'two' });
        expect(await items.get('x')).toEqual({ _id: 'x', s: 'two' });
        expect(await items.count()).toBe(1);
      });

      it('delete removes by _id and says whether something was removed', async () => {
        const items = await declare<Item>('delete');
        await items.insert({ _id: 'x' });
        expect(await items.delete('x')).toBe(true);
        expect(await items.delete('x')).toBe(false);
        expect(await items.get('x')).toBeNull();
      });

      it('deleteMany removes exactly the matching documents and counts them', async () => {
        const items = await sample(false);
        expect(await items.deleteMany({ tags: 'fruit' })).toBe(2);
        expect(await all(items, {})).toEqual(['c', 'd', 'e', 'f', 'g']);
        expect(await items.deleteMany({ n: { $gt: 100 } })).toBe(0);
      });
    });

    describe.each([
      ['unindexed', false],
      ['indexed', true],
    ])('filters (%s fields)', (_label, indexed) => {
      it('equality matches by value and type (2 is not "2", 1 is not true)', async () => {
        const items = await sample(indexed);
        expect(await all(items, { n: 2 })).toEqual(['b']);
        expect(await all(items, { n: '2' })).toEqual(['d']);
        expect(await all(items, { n: 1 })).toEqual(['a']);
        expect(await all(items, { n: true })).toEqual(['e']);
        expect(await all(items, { n: { $eq: 3 } })).toEqual(['c']);
        expect(await all(items, { s: 'fig', _id: 'f' })).toEqual(['f']);
      });

      it('null equality matches a null or missing field', async () => {
        const items = await sample(indexed);
        expect(await all(items, { n: null })).toEqual(['f', 'g']);
      });

      it('$ne excludes the value and keeps documents missing the field', async () => {
        const items = await sample(indexed);
        expect(await all(items, { n: { $ne: 2 } })).toEqual(['a', 'c', 'd', 'e', 'f', 'g']);
        expect(await all(items, { n: { $ne: null } })).toEqual(['a', 'b', 'c', 'd', 'e']);
      });

      it('$in matches any listed value; an empty list matches nothing', async () => {
        const items = await sample(indexed);
        expect(await all(items, { n: { $in: [1, 3, 'nope'] } })).toEqual(['a', 'c']);
        expect(await all(items, { _id: { $in: ['b', 'g', 'zz'] } })).toEqual(['b', 'g']);
        expect(await all(items, { n: { $in: [] } })).toEqual([]);
      });

      it('$gt/$gte/$lt/$lte compare numbers with numbers only', async () => {
        const items = await sample(indexed);
        expect(await all(items, { n: { $gt: 1 } })).toEqual(['b', 'c']);
        expect(await all(items, { n: { $gte: 1 } })).toEqual(['a', 'b', 'c']);
        expect(await all(items, { n: { $lt: 3 } })).toEqual(['a', 'b']);
        expect(await all(items, { n: { $lte: 3, $gt: 1 } })).toEqual(['b', 'c']);
        expect(await all(items, { n: { $gt: 0.5, $lt: 1.5 } })).toEqual(['a']);
      });

      it('ranges on strings compare strings only, in code-point order', async () => {
        const items = await sample(indexed);
        expect(await all(items, { s: { $gte: 'banana', $lt: 'date' } })).toEqual(['b', 'c']);
        expect(await all(items, { n: { $gte: '0' } })).toEqual(['d']);
        expect(await all(items, { _id: { $gt: 'e' } })).toEqual(['f', 'g']);
      });

      it('$exists tells present (even null) from missing', async () => {
        const items = await sample(indexed);
        expect(await all(items, { n: { $exists: true } })).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
        expect(await all(items, { n: { $exists: false } })).toEqual(['g']);
        expect(await all(items, { 'meta.kind': { $exists: false } })).toEqual(['d', 'e', 'f', 'g']);
      });

      it('dot paths reach into nested objects', async () => {
        const items = await sample(indexed);
        expect(await all(items, { 'meta.kind': 'x' })).toEqual(['a', 'c']);
        expect(await all(items, { 'meta.kind': 'x', 'meta.rank': { $lt: 3 } })).toEqual(['c']);
        expect(await all(items, { meta: { kind: 'y', rank: 1 } })).toEqual(['b']);
      });

      it('equality and $in on an array field match its elements', async () => {
        const items = await sample(indexed);
        expect(await all(items, { tags: 'red' })).toEqual(['a', 'c']);
        expect(await all(items, { tags: { $in: ['yellow', 'none'] } })).toEqual(['b']);
        expect(await all(items, { tags: { $ne: 'fruit' } })).toEqual(['c', 'd', 'e', 'f', 'g']);
      });

      it('$in mixes types as equality does: null also matches a missing field', async () => {
        const items = await sample(indexed);
        expect(await all(items, { n: { $in: [2, '2', true] } })).toEqual(['b', 'd', 'e']);
        expect(await all(items, { n: { $in: [null, 3] } })).toEqual(['c', 'f', 'g']);
        expect(
          await all(items, { 'meta.kind': { $in: ['y', 'z'] }, s: { $in: ['banana', 'apple'] } }),
        ).toEqual(['b']);
        expect(await all(items, { n: { $ne: true } })).toEqual(['a', 'b', 'c', 'd', 'f', 'g']);
      });

      it('equality on a field that held only scalars matches array elements once a document writes an array there', async () => {
        const items = await sample(indexed);
        expect(await all(items, { n: 1 })).toEqual(['a']);
        expect(await all(items, { s: { $in: ['fig', 'kiwi'] } })).toEqual(['f']);
        await items.insert({ _id: 'h', n: [1, 'x'], s: 'hazel' });
        await items.upsert({ _id: 'i', n: 0, s: ['kiwi', 'lime'] });
        expect(await all(items, { n: 1 })).toEqual(['a', 'h']);
        expect(await all(items, { n: 'x' })).toEqual(['h']);
        expect(await all(items, { n: { $in: [3, 'x'] } })).toEqual(['c', 'h']);
        expect(await all(items, { n: { $ne: 1 } })).toEqual(['b', 'c', 'd', 'e', 'f', 'g', 'i']);
        expect(await all(items, { s: { $in: ['fig', 'kiwi'] } })).toEqual(['f', 'i']);
        expect(await items.count({ s: 'lime' })).toBe(1);
      });

      it('sees an array written earlier in the same transaction', async () => {
        const items = await sample(indexed);
        const name = collectionName(items);
        const found = await store.transaction(async (tx) => {
          const c = tx.collection<Item>(name);
          await c.replaceIfVersion({ _id: 'h', n: ['red', 2], s: 'hazel' }, 0);
          return ids((await c.find({ n: 2 }, { sort: { _id: 1 } })).items);
        });
        expect(found).toEqual(['b', 'h']);
      });

      it('count honours the filter', async () => {
        const items = await sample(indexed);
        expect(await items.count()).toBe(7);
        expect(await items.count({ 'meta.kind': 'x' })).toBe(2);
        expect(await items.count({ n: { $gt: 100 } })).toBe(0);
      });
    });

    it('refuses operators and paths outside the filter language with StoreUsageError', async () => {
      const items = await declare<Item>('usage');
      await expect(items.find({ s: { $regex: 'a' } })).rejects.toMatchObject({ code: 'STORE_USAGE' });
      await expect(items.find({ $or: [{ s: 'a' }] })).rejects.toMatchObject({ code: 'STORE_USAGE' });
      await expect(items.find({ "s'); DROP TABLE x; --": 1 })).rejects.toMatchObject({ code: 'STORE_USAGE' });
      // Ranges are defined over one type per field: mixed bounds mean different things on each adapter.
      await expect(items.find({ n: { $gt: 1, $lt: 'z' } })).rejects.toMatchObject({ code: 'STORE_USAGE' });
    });

    it('treats quotes and SQL in values as plain data', async () => {
      const items = await declare<Item>('inject');
      const nasty = `x' OR 1=1; DROP TABLE items; --"`;
      await items.insert({ _id: nasty, s: nasty });
      await items.insert({ _id: 'other', s: 'other' });
      expect(ids((await items.find({ s: nasty })).items)).toEqual([nasty]);
      expect(await items.get(nasty)).toEqual({ _id: nasty, s: nasty });
    });

    describe('sort, limit and cursor', () => {
      async function ranked(indexed: boolean): Promise<Collection<Item>> {
        const items = await declare<Item>('sort', indexed ? { indexes: [{ fields: { n: 1 } }] } : {});
        // Ties on n so the _id tie-break shows; one document misses n.
        const ns = [5, 3, 5, 1, 3, 5, 2, 4, 1];
        for (const [i, n] of ns.entries()) await items.insert({ _id: `d${i}`, n });
        await items.insert({ _id: 'dz' });
        return items;
      }

      it.each([false, true])(
        'sorts ascending with _id breaking ties; missing sorts first (indexed=%s)',
        async (ix) => {
          const items = await ranked(ix);
          const page = await items.find({}, { sort: { n: 1 } });
          expect(ids(page.items)).toEqual(['dz', 'd3', 'd8', 'd6', 'd1', 'd4', 'd7', 'd0', 'd2', 'd5']);
          expect(page.next).toBeUndefined();
        },
      );

      it.each([false, true])(
        'sorts descending with _id ascending on ties; missing last (indexed=%s)',
        async (ix) => {
          const items = await ranked(ix);
          const page = await items.find({}, { sort: { n: -1 } });
          expect(ids(page.items)).toEqual(['d0', 'd2', 'd5', 'd7', 'd1', 'd4', 'd6', 'd3', 'd8', 'dz']);
        },
      );

      it('sorts by _id when no sort is given and honours _id descending', async () => {
        const items = await ranked(false);
        expect(ids((await items.find()).items)).toEqual([
          'd0',
          'd1',
          'd2',
          'd3',
          'd4',
          'd5',
          'd6',
          'd7',
          'd8',
          'dz',
        ]);
        expect(ids((await items.find({}, { sort: { _id: -1 } })).items)[0]).toBe('dz');
      });

      it('limits the page and offers a cursor only when more may follow', async () => {
        const items = await ranked(false);
        const first = await items.find({ n: { $gte: 1 } }, { sort: { n: 1 }, limit: 3 });
        expect(ids(first.items)).toEqual(['d3', 'd8', 'd6']);
        expect(typeof first.next).toBe('string');
        const exact = await items.find({}, { limit: 10 });
        expect(exact.items).toHaveLength(10);
        expect(exact.next).toBeUndefined();
      });

      it.each([
        [{ n: 1 } as const, false],
        [{ n: -1 } as const, false],
        [{ n: 1 } as const, true],
        [{ n: -1 } as const, true],
      ])('pages through %j (indexed=%s) with no gaps and no duplicates', async (sort, ix) => {
        const items = await ranked(ix);
        const expected = ids((await items.find({}, { sort })).items);
        const seen: string[] = [];
        let after: string | undefined;
        for (let guard = 0; guard < 20; guard++) {
          const page = await items.find({}, { sort, limit: 3, ...(after ? { after } : {}) });
          seen.push(...ids(page.items));
          if (!page.next) break;
          after = page.next;
        }
        expect(seen).toEqual(expected);
      });

      it('keeps later pages stable when documents are inserted behind the cursor', async () => {
        const items = await declare<Item>('stable', { indexes: [{ fields: { n: 1 } }] });
        for (let i = 0; i < 10; i++) await items.insert({ _id: `k${i}`, n: i * 10 });
        const first = await items.find({}, { sort: { n: 1 }, limit: 4 });
        expect(ids(first.items)).toEqual(['k0', 'k1', 'k2', 'k3']);
        // Behind the cursor (before n=30) and one ahead of it.
        await items.insert({ _id: 'early', n: 5 });
        await items.insert({ _id: 'early2', n: 30 });
        await items.insert({ _id: 'late', n: 55 });
        const rest: string[] = [];
        let after = first.next;
        while (after) {
          const page = await items.find({}, { sort: { n: 1 }, limit: 4, after });
          rest.push(...ids(page.items));
          after = page.next;
        }
        expect(rest).toEqual(['k4', 'k5', 'late', 'k6', 'k7', 'k8', 'k9']);
      });

      it('pages with a filter and a two-field sort', async () => {
        const items = await sample(true);
        const sort = { 'meta.kind': 1, s: -1 } as const;
        const expected = ids((await items.find({ s: { $ne: 'fig' } }, { sort })).items);
        expect(expected).toEqual(['g', 'e', 'd', 'c', 'a', 'b']);
        const seen: string[] = [];
        let after: string | undefined;
        do {
          const page: { items: Item[]; next?: string } = await items.find(
            { s: { $ne: 'fig' } },
            { sort, limit: 2, ...(after ? { after } : {}) },
          );
          seen.push(...ids(page.items));
          after = page.next;
        } while (after);
        expect(seen).toEqual(expected);
      });

      it('refuses a cursor made for a different sort, or not made by the store', async () => {
        const items = await ranked(false);
        const { next } = await items.find({}, { sort: { n: 1 }, limit: 2 });
        await expect(items.find({}, { sort: { n: -1 }, after: next })).rejects.toMatchObject({
          code: 'STORE_USAGE',
        });
        await expect(items.find({}, { after: 'not-a-cursor' })).rejects.toMatchObject({
          code: 'STORE_USAGE',
        });
      });
    });

    describe('compare-and-set on version', () => {
      it('creates with expected version 0 and writes version 1', async () => {
        const items = await declare<Item>('cas');
        const stored = await items.replaceIfVersion({ _id: 'x', s: 'one' }, 0);
        expect(stored).toEqual({ _id: 'x', s: 'one', version: 1 });
        expect(await items.get('x')).toEqual(stored);
      });

      it('replaces while the version matches, writing version + 1', async () => {
        const items = await declare<Item>('cas');
        await items.replaceIfVersion({ _id: 'x', s: 'one' }, 0);
        const stored = await items.replaceIfVersion({ _id: 'x', s: 'two', version: 1 }, 1);
        expect(stored.version).toBe(2);
        expect(await items.get('x')).toEqual({ _id: 'x', s: 'two', version: 2 });
      });

      it('refuses a stale version with StoreRevisionConflictError and leaves the document as it was', async () => {
        const items = await declare<Item>('cas');
        await items.replaceIfVersion({ _id: 'x', s: 'one' }, 0);
        await items.replaceIfVersion({ _id: 'x', s: 'two' }, 1);
        await expect(items.replaceIfVersion({ _id: 'x', s: 'stale' }, 1)).rejects.toMatchObject({
          code: 'STORE_REVISION_CONFLICT',
          expectedVersion: 1,
          actualVersion: 2,
        });
        expect((await items.get('x'))?.s).toBe('two');
      });

      it('refuses create (0) when the document exists and update when it does not', async () => {
        const items = await declare<Item>('cas');
        await items.replaceIfVersion({ _id: 'x' }, 0);
        await expect(items.replaceIfVersion({ _id: 'x' }, 0)).rejects.toMatchObject({
          code: 'STORE_REVISION_CONFLICT',
          actualVersion: 1,
        });
        await expect(items.replaceIfVersion({ _id: 'y' }, 3)).rejects.toMatchObject({
          code: 'STORE_REVISION_CONFLICT',
          actualVersion: null,
        });
      });

      it('lets exactly one of many concurrent writers with the same version win', async () => {
        const items = await declare<Item>('cas');
        await items.replaceIfVersion({ _id: 'x' }, 0);
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => items.replaceIfVersion({ _id: 'x', s: `w${i}` }, 1)),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect((await items.get('x'))?.version).toBe(2);
      });
    });

    describe('guarded increment', () => {
      it('adds to a field, counting a missing field as 0, and returns the new value', async () => {
        const counters = await declare<Counter>('inc');
        await counters.insert({ _id: 'c', label: 'budget' });
        expect(await counters.increment('c', 'spent', 5)).toBe(5);
        expect(await counters.increment('c', 'spent', 2.5)).toBe(7.5);
        expect(await counters.increment('c', 'spent', -7.5)).toBe(0);
        expect(await counters.get('c')).toEqual({ _id: 'c', label: 'budget', spent: 0 });
      });

      it('increments a nested field', async () => {
        const counters = await declare<Doc>('inc');
        await counters.insert({ _id: 'c', usage: { tokens: 10 } });
        expect(await counters.increment('c', 'usage.tokens', 5)).toBe(15);
        expect(await counters.get('c')).toEqual({ _id: 'c', usage: { tokens: 15 } });
      });

      it('refuses to pass the cap (StoreCapExceededError) and writes nothing', async () => {
        const counters = await declare<Counter>('inc');
        await counters.insert({ _id: 'c', spent: 8 });
        expect(await counters.increment('c', 'spent', 2, { max: 10 })).toBe(10);
        await expect(counters.increment('c', 'spent', 1, { max: 10 })).rejects.toMatchObject({
          code: 'STORE_CAP_EXCEEDED',
          current: 10,
          by: 1,
        });
        expect((await counters.get('c'))?.spent).toBe(10);
      });

      it('refuses to fall below the minimum', async () => {
        const counters = await declare<Counter>('inc');
        await counters.insert({ _id: 'c', spent: 3 });
        await expect(counters.increment('c', 'spent', -4, { min: 0 })).rejects.toMatchObject({
          code: 'STORE_CAP_EXCEEDED',
        });
        expect(await counters.increment('c', 'spent', -3, { min: 0 })).toBe(0);
      });

      it('never overshoots under 50 concurrent increments', async () => {
        const counters = await declare<Counter>('inc');
        await counters.insert({ _id: 'c', spent: 0 });
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, () => counters.increment('c', 'spent', 1, { max: 20 })),
        );
        const ok = results.filter((r) => r.status === 'fulfilled');
        const refused = results.filter((r) => r.status === 'rejected');
        expect(ok).toHaveLength(20);
        expect(refused.every((r) => (r as PromiseRejectedResult).reason.code === 'STORE_CAP_EXCEEDED')).toBe(
          true,
        );
        expect((await counters.get('c'))?.spent).toBe(20);
      });

      it('throws StoreNotFoundError for a missing document and StoreUsageError for a non-number', async () => {
        const counters = await declare<Counter>('inc');
        await expect(counters.increment('nope', 'spent', 1)).rejects.toMatchObject({
          code: 'STORE_NOT_FOUND',
        });
        await counters.insert({ _id: 'c', label: 'text' });
        await expect(counters.increment('c', 'label', 1)).rejects.toMatchObject({ code: 'STORE_USAGE' });
      });
    });

    describe('transactions', () => {
      it('commits every write made through tx together', async () => {
        const a = await declare<Item>('txa');
        const b = await declare<Counter>('txb');
        await b.insert({ _id: 'c', spent: 1 });
        const result = await store.transaction(async (tx) => {
          await tx.collection<Item>(collectionName(a)).insert({ _id: 'x', s: 'in tx' });
          await tx.collection<Counter>(collectionName(b)).increment('c', 'spent', 4);
          expect(await tx.collection<Item>(collectionName(a)).get('x')).toEqual({ _id: 'x', s: 'in tx' });
          return 'done';
        });
        expect(result).toBe('done');
        expect(await a.get('x')).toEqual({ _id: 'x', s: 'in tx' });
        expect((await b.get('c'))?.spent).toBe(5);
      });

      it('rolls back every write when fn throws, and rethrows the error', async () => {
        const a = await declare<Item>('txa');
        const b = await declare<Counter>('txb');
        await b.insert({ _id: 'c', spent: 1 });
        const boom = new Error('boom');
        await expect(
          store.transaction(async (tx) => {
            await tx.collection<Item>(collectionName(a)).insert({ _id: 'x' });
            await tx.collection<Counter>(collectionName(b)).increment('c', 'spent', 4);
            await tx.collection<Counter>(collectionName(b)).upsert({ _id: 'd', spent: 9 });
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await a.get('x')).toBeNull();
        expect(await b.get('c')).toEqual({ _id: 'c', spent: 1 });
        expect(await b.count()).toBe(1);
      });

      it('keeps writes outside the transaction out of it', async () => {
        const a = await declare<Item>('txa');
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const failing = store.transaction(async (tx) => {
          await tx.collection<Item>(collectionName(a)).insert({ _id: 'inside' });
          await gate;
          throw new Error('abort');
        });
        const outside = a.insert({ _id: 'outside' });
        release();
        await expect(failing).rejects.toThrow('abort');
        await outside;
        expect(ids((await a.find()).items)).toEqual(['outside']);
      });

      it('refuses store.collection() calls from inside fn instead of deadlocking', async () => {
        const a = await declare<Item>('txa');
        await expect(
          store.transaction(async () => {
            await a.insert({ _id: 'wrong-handle' });
          }),
        ).rejects.toMatchObject({ code: 'STORE_USAGE' });
        expect(await a.get('wrong-handle')).toBeNull();
      });
    });

    describe('lease documents', () => {
      it('hides a document past its expiry from get, find and count at once', async () => {
        const leases = await declare<Lease>('lease', { expiresAtField: 'expiresAt' });
        const now = clock.now();
        await leases.insert({ _id: 'gone', holder: 'w1', expiresAt: now - 1 });
        await leases.insert({ _id: 'live', holder: 'w2', expiresAt: now + 60_000 });
        await leases.insert({ _id: 'soon', holder: 'w3', expiresAt: now + 1000 });
        expect(await leases.get('gone')).toBeNull();
        expect(ids((await leases.find()).items)).toEqual(['live', 'soon']);
        clock.advance(999);
        expect(ids((await leases.find()).items)).toEqual(['live', 'soon']);
        // Expired the instant the clock reaches expiresAt.
        clock.advance(1);
        expect(await leases.get('soon')).toBeNull();
        expect(ids((await leases.find()).items)).toEqual(['live']);
        expect(await leases.count()).toBe(1);
        expect(await leases.count({ holder: 'w1' })).toBe(0);
      });

      it('lets an expired lease be taken again by insert or create-with-version-0', async () => {
        const leases = await declare<Lease>('lease', { expiresAtField: 'expiresAt' });
        const now = clock.now();
        await leases.insert({ _id: 'a', holder: 'old', expiresAt: now - 1 });
        await leases.insert({ _id: 'a', holder: 'new', expiresAt: now + 60_000 });
        expect((await leases.get('a'))?.holder).toBe('new');
        await leases.replaceIfVersion({ _id: 'b', holder: 'old', expiresAt: now - 1 }, 0);
        await leases.replaceIfVersion({ _id: 'b', holder: 'new', expiresAt: now + 60_000 }, 0);
        expect((await leases.get('b'))?.holder).toBe('new');
        await leases.insert({ _id: 'c', holder: 'old', expiresAt: now - 1 });
        await expect(leases.increment('c', 'expiresAt', 1)).rejects.toMatchObject({
          code: 'STORE_NOT_FOUND',
        });
        expect(await leases.delete('c')).toBe(false);
      });

      it('renews a live lease with compare-and-set', async () => {
        const leases = await declare<Lease>('lease', { expiresAtField: 'expiresAt' });
        const now = clock.now();
        const taken = await leases.replaceIfVersion({ _id: 'run', holder: 'w1', expiresAt: now + 60_000 }, 0);
        const renewed = await leases.replaceIfVersion(
          { ...taken, expiresAt: now + 120_000 },
          taken.version as number,
        );
        expect((await leases.get('run'))?.expiresAt).toBe(renewed.expiresAt);
      });
    });

    describe('outbox', () => {
      async function freshOutbox(): Promise<void> {
        await declareOutbox(store);
        await store.collection(OUTBOX_COLLECTION).deleteMany({});
        await store.collection(OUTBOX_ENVELOPES_COLLECTION).deleteMany({});
        await store.collection(OUTBOX_ENVELOPE_PARTS_COLLECTION).deleteMany({});
      }

      it('commits state and outbox entries together in one call', async () => {
        await freshOutbox();
        const tasks = await declare<Item>('tasks');
        const result = await commitWithOutbox(store, async (tx) => {
          await tx.collection<Item>(collectionName(tasks)).insert({ _id: 't1', s: 'ready' });
          return { result: 't1', events: [envelope('01A', 1), envelope('01B', 2)] };
        });
        expect(result).toBe('t1');
        expect(await tasks.get('t1')).toEqual({ _id: 't1', s: 'ready' });
        const pending = await pendingOutbox(store, 10);
        expect(pending.map((e) => e.envelope)).toEqual([envelope('01A', 1), envelope('01B', 2)]);
        expect(pending.every((e) => typeof e.createdAt === 'number' && e.publishedAt === undefined)).toBe(
          true,
        );
      });

      it('stores neither state nor events when fn throws', async () => {
        await freshOutbox();
        const tasks = await declare<Item>('tasks');
        await expect(
          commitWithOutbox(store, async (tx) => {
            await tx.collection<Item>(collectionName(tasks)).insert({ _id: 't1' });
            throw new Error('decider refused');
          }),
        ).rejects.toThrow('decider refused');
        expect(await tasks.count()).toBe(0);
        expect(await pendingOutbox(store, 10)).toEqual([]);
      });

      it('lists pending entries oldest first up to the limit, and forgets published ones', async () => {
        await freshOutbox();
        for (let i = 1; i <= 5; i++) {
          await commitWithOutbox(store, async () => ({ result: i, events: [envelope(`02${i}`, i)] }));
        }
        expect((await pendingOutbox(store, 3)).map((e) => e._id)).toEqual(['021', '022', '023']);
        await markPublished(store, ['021', '022', 'unknown']);
        expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual(['023', '024', '025']);
        const published = (await outboxStates(store)).find((e) => e._id === '021');
        expect(typeof published?.publishedAt).toBe('number');
        // Its envelope is gone at once (nobody sends it again); pending ones keep theirs.
        expect(await store.collection(OUTBOX_ENVELOPES_COLLECTION).get('021')).toBeNull();
        expect(await store.collection(OUTBOX_ENVELOPES_COLLECTION).get('023')).not.toBeNull();
      });

      it('orders pending entries by append, whatever their ids (caller-supplied ids, one instant)', async () => {
        await freshOutbox();
        const frozen = { now: () => 1_000, isoNow: () => new Date(1_000).toISOString() };
        // Ids sort the other way round from their appends, and every entry has the same createdAt.
        const appended = ['zz', 'yy', 'xx', 'ww', 'vv'];
        await commitWithOutbox(
          store,
          async () => ({ result: null, events: appended.slice(0, 2).map((id, i) => envelope(id, i)) }),
          frozen,
        );
        for (const id of appended.slice(2)) {
          await commitWithOutbox(store, async () => ({ result: null, events: [envelope(id, 0)] }), frozen);
        }
        expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual(appended);
        const seqs = (await pendingOutbox(store, 10)).map((e) => e.seq as number);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(seqs).size).toBe(seqs.length);
        // Paging continues in the same order.
        const first = await pendingOutboxPage(store, { limit: 2 });
        expect(first.items.map((e) => e._id)).toEqual(['zz', 'yy']);
        const second = await pendingOutboxPage(store, { limit: 10, after: first.next as string });
        expect(second.items.map((e) => e._id)).toEqual(['xx', 'ww', 'vv']);
      });

      it('lists only the pending entries appended after a given seq', async () => {
        await freshOutbox();
        for (const id of ['05A', '05B', '05C', '05D']) {
          await commitWithOutbox(store, async () => ({ result: null, events: [envelope(id, 0)] }));
        }
        const [a, b] = await pendingOutbox(store, 2);
        await markPublished(store, ['05C']);
        const after = await pendingOutboxPage(store, { limit: 10, afterSeq: a?.seq as number });
        expect(after.items.map((e) => e._id)).toEqual(['05B', '05D']);
        const paged = await pendingOutboxPage(store, { limit: 1, afterSeq: b?.seq as number });
        expect(paged.items.map((e) => e._id)).toEqual(['05D']);
        expect(paged.next).toBeUndefined();
        expect((await pendingOutboxPage(store, { limit: 10, afterSeq: 1e12 })).items).toEqual([]);
      });

      it('keeps failed entries with their reason, out of the pending list', async () => {
        await freshOutbox();
        await commitWithOutbox(store, async () => ({
          result: null,
          events: [envelope('04A', 1), envelope('04B', 2)],
        }));
        await markFailed(store, [
          { id: '04A', failure: { code: 'BUS_PUBLISH_FAILED', reason: 'message too large' } },
        ]);
        expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual(['04B']);
        const failed = await failedOutbox(store, 10);
        expect(failed.map((e) => e._id)).toEqual(['04A']);
        expect(failed[0]?.failure).toEqual({ code: 'BUS_PUBLISH_FAILED', reason: 'message too large' });
        expect(failed[0]?.envelope).toEqual(envelope('04A', 1));
        expect(typeof failed[0]?.failedAt).toBe('number');
        // A failed entry is not published later by mistake, nor a published one failed.
        await markPublished(store, ['04A']);
        await markPublished(store, ['04B']);
        await markFailed(store, [{ id: '04B', failure: { code: 'X', reason: 'late' } }]);
        expect((await failedOutbox(store, 10)).map((e) => e._id)).toEqual(['04A']);
      });

      it('prunes published entries older than a bound, and nothing pending or failed', async () => {
        await freshOutbox();
        await commitWithOutbox(store, async () => ({
          result: null,
          events: [envelope('05A', 1), envelope('05B', 2), envelope('05C', 3)],
        }));
        await markPublished(store, ['05A'], { now: () => 1_000, isoNow: () => '' });
        await markFailed(store, [{ id: '05C', failure: { code: 'X', reason: 'r' } }]);
        expect(await prunePublishedOutbox(store, 2_000)).toBe(1);
        expect(ids(await outboxStates(store))).toEqual(['05B', '05C']);
      });

      it('stores an envelope larger than one document holds in parts, reads it whole, drops every part once published', async () => {
        await freshOutbox();
        const shape = { ...envelope('06A', 0), data: { text: '' } };
        const prefix = JSON.stringify(shape).indexOf('"text":"') + '"text":"'.length;
        // A surrogate pair straddles where the first part would end; a 3-byte character in every part.
        const text = `${'a'.repeat(OUTBOX_PART_CHARS - 1 - prefix)}😀${'€b'.repeat(OUTBOX_PART_CHARS / 2)}`;
        const large: Envelope = { ...shape, data: { text } };
        await commitWithOutbox(store, async () => ({ result: null, events: [large, envelope('06B', 1)] }));

        const [entry, small] = await pendingOutbox(store, 10);
        expect(entry?.parts).toBe(3);
        expect(entry?.json).toBe(JSON.stringify(large));
        expect(entry?.envelope.data).toEqual({ text });
        expect(small?.parts).toBeUndefined();
        expect(small?.envelope).toEqual(envelope('06B', 1));
        expect(await store.collection(OUTBOX_ENVELOPE_PARTS_COLLECTION).count()).toBe(2);
        // The first part ends before the pair rather than between its halves.
        const first = await store.collection<Doc & { json: string }>(OUTBOX_ENVELOPES_COLLECTION).get('06A');
        expect(first?.json).toHaveLength(OUTBOX_PART_CHARS - 1);

        await markPublished(store, ['06A']);
        expect(await store.collection(OUTBOX_ENVELOPE_PARTS_COLLECTION).count()).toBe(0);
        expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual(['06B']);
      });

      it('tells a listener of the transaction what it appended, with the JSON stored', async () => {
        await freshOutbox();
        const heard: string[] = [];
        await store.transaction(async (tx) => {
          const scoped = { collection: tx.collection.bind(tx) };
          onOutboxAppend(scoped, (appended) =>
            heard.push(...appended.map((a) => `${a.envelope.id}:${a.json === JSON.stringify(a.envelope)}`)),
          );
          await appendToOutbox(scoped, [envelope('07A', 1), envelope('07B', 2)]);
          // Appending through the transaction itself, not the listened-to wrapper, is not heard.
          await appendToOutbox(tx, [envelope('07C', 3)]);
        });
        expect(heard).toEqual(['07A:true', '07B:true']);
        expect((await pendingOutbox(store, 10)).map((e) => e.json)).toEqual(
          ['07A', '07B', '07C'].map((id, i) => JSON.stringify(envelope(id, i + 1))),
        );
      });

      it('refuses an envelope past the limit of its transaction in UTF-8 bytes, naming it, and stores nothing of the transaction', async () => {
        await freshOutbox();
        const tasks = await declare<Item>('tasks');
        // 3 UTF-8 bytes per character: past the limit in bytes while well under it in characters.
        const large: Envelope = { ...envelope('09B', 0), data: { text: '€'.repeat(400) } };
        const bytes = Buffer.byteLength(JSON.stringify(large));
        const limit = bytes - 1;
        expect(JSON.stringify(large).length).toBeLessThan(limit);
        const commitLimited = (maxBytes: number, id: string) =>
          store.transaction(async (tx) => {
            const scoped = { collection: tx.collection.bind(tx) };
            limitOutboxEnvelopes(scoped, maxBytes);
            await scoped.collection<Item>(collectionName(tasks)).insert({ _id: id });
            await appendToOutbox(scoped, [envelope('09A', 1), large]);
          });

        const refused = await commitLimited(limit, 't9').catch((err: unknown) => err);
        expect(refused).toBeInstanceOf(OutboxEnvelopeTooLargeError);
        expect(refused).toMatchObject({
          code: 'STORE_ENVELOPE_TOO_LARGE',
          envelopeId: '09B',
          type: 'test.ping.v1',
          subject: 'ap.v1.evt.test.ping',
          bytes,
          limit,
        });
        expect((refused as Error).message).toContain(`${bytes} bytes`);
        expect((refused as Error).message).toContain('AUTOPILOT_MAX_MESSAGE_BYTES');
        // Neither the state nor the smaller envelope appended with it.
        expect(await tasks.get('t9')).toBeNull();
        expect(await outboxStates(store)).toEqual([]);

        // At the limit exactly it is appended; and a transaction without a limit takes any size.
        await commitLimited(bytes, 't10');
        expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual(['09A', '09B']);
        await commitWithOutbox(store, async () => ({
          result: null,
          events: [{ ...large, id: '09C' }],
        }));
        expect((await pendingOutbox(store, 10)).map((e) => e._id)).toEqual(['09A', '09B', '09C']);
      });

      it('reads an envelope stored as an object, as outboxes written before JSON bodies hold them', async () => {
        await freshOutbox();
        await commitWithOutbox(store, async () => ({ result: null, events: [envelope('08A', 1)] }));
        await store
          .collection(OUTBOX_ENVELOPES_COLLECTION)
          .upsert({ _id: '08A', envelope: envelope('08A', 1) });
        const [entry] = await pendingOutbox(store, 10);
        expect(entry?.envelope).toEqual(envelope('08A', 1));
        expect(entry?.json).toBeUndefined();
      });

      it('refuses an envelope id already in the outbox and rolls the state back', async () => {
        await freshOutbox();
        const tasks = await declare<Item>('tasks');
        await commitWithOutbox(store, async () => ({ result: null, events: [envelope('03A', 1)] }));
        await expect(
          commitWithOutbox(store, async (tx) => {
            await tx.collection<Item>(collectionName(tasks)).insert({ _id: 't2' });
            return { result: null, events: [envelope('03A', 1)] };
          }),
        ).rejects.toMatchObject({ code: 'STORE_DUPLICATE_KEY' });
        expect(await tasks.get('t2')).toBeNull();
      });
    });

    describe('inbox', () => {
      async function freshInbox(): Promise<void> {
        await declareInbox(store);
        await store.collection(INBOX_COLLECTION).deleteMany({});
      }

      it('runs fn once per consumer and message id; a repeat is a no-op returning false', async () => {
        await freshInbox();
        const counters = await declare<Counter>('handled');
        await counters.insert({ _id: 'c', spent: 0 });
        const handle = (consumer: string, id: string): Promise<boolean> =>
          handleOnce(store, consumer, id, async (tx) => {
            await tx.collection<Counter>(collectionName(counters)).increment('c', 'spent', 1);
          });
        expect(await handle('manager', 'm1')).toBe(true);
        expect(await handle('manager', 'm1')).toBe(false);
        expect(await handle('planner', 'm1')).toBe(true);
        expect((await counters.get('c'))?.spent).toBe(2);
        expect(await store.collection(INBOX_COLLECTION).get('manager:m1')).toMatchObject({
          consumer: 'manager',
          messageId: 'm1',
        });
      });

      it('records nothing when fn throws, so a redelivery runs it again', async () => {
        await freshInbox();
        const counters = await declare<Counter>('handled');
        await counters.insert({ _id: 'c', spent: 0 });
        let attempts = 0;
        const handler = async (tx: Parameters<Parameters<typeof handleOnce>[3]>[0]): Promise<void> => {
          attempts += 1;
          await tx.collection<Counter>(collectionName(counters)).increment('c', 'spent', 1);
          if (attempts === 1) throw new Error('transient');
        };
        await expect(handleOnce(store, 'worker', 'm2', handler)).rejects.toThrow('transient');
        expect((await counters.get('c'))?.spent).toBe(0);
        expect(await handleOnce(store, 'worker', 'm2', handler)).toBe(true);
        expect(await handleOnce(store, 'worker', 'm2', handler)).toBe(false);
        expect((await counters.get('c'))?.spent).toBe(1);
      });

      it('runs fn once when the same message arrives twice concurrently', async () => {
        await freshInbox();
        const counters = await declare<Counter>('handled');
        await counters.insert({ _id: 'c', spent: 0 });
        const handle = (): Promise<boolean> =>
          handleOnce(store, 'worker', 'm3', async (tx) => {
            await tx.collection<Counter>(collectionName(counters)).increment('c', 'spent', 1);
          });
        const outcomes = await Promise.all([handle(), handle(), handle()]);
        expect(outcomes.filter(Boolean)).toHaveLength(1);
        expect((await counters.get('c'))?.spent).toBe(1);
      });
    });
  });
}
