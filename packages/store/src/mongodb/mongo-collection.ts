import {
  BSON,
  MongoError,
  type ClientSession,
  type Collection as DriverCollection,
  type Document,
} from 'mongodb';
import type { Clock } from '@autopilot/kernel';
import {
  MAX_DOCUMENT_BYTES,
  type Collection,
  type CollectionSpec,
  type Doc,
  type Filter,
  type FindOptions,
  type IncrementGuard,
  type Page,
} from '../document-store';
import { StoreDocumentTooLargeError, StoreRevisionConflictError } from '../errors';
import { decodeCursor, encodeCursor } from '../cursor';
import {
  assertIncrement,
  assertStorable,
  assertVersion,
  failedIncrementError,
  normalizeLimit,
  normalizeSort,
  parseFilter,
  readPath,
} from '../query';
import { afterFilter, allOf, mongoFilter, mongoSort, notExpired } from './mongo-query';
import { isIdDuplicate, translateOperationError } from './mongo-errors';

/**
 * A shadow Date copy of a lease document's expiry field: MongoDB's TTL monitor only removes documents
 * whose indexed field is a Date, and the port stores expiry as a number. Never returned to callers.
 */
export const TTL_FIELD = '__expiresAt';
const HIDE_TTL = { projection: { [TTL_FIELD]: 0 } };

/** What a collection needs from its store. */
export interface MongoContext {
  readonly url: string;
  readonly clock: Clock;
}

/** Runs a driver call in the right place: checks the store is usable (outside) or the transaction is live (inside). */
export type MongoRunner = <R>(operation: () => Promise<R>) => Promise<R>;

/** One collection over the official driver; `session` is set inside a transaction. */
export class MongoCollection<T extends Doc> implements Collection<T> {
  private readonly name: string;
  private readonly expiresAtField: string | undefined;

  constructor(
    private readonly ctx: MongoContext,
    private readonly spec: CollectionSpec,
    private readonly driver: DriverCollection<Document>,
    private readonly run: MongoRunner,
    private readonly session?: ClientSession,
  ) {
    this.name = spec.name;
    this.expiresAtField = spec.expiresAtField;
  }

  get(id: string): Promise<T | null> {
    return this.guarded(() => this.read(id), id);
  }

  find(filter?: Filter, opts: FindOptions = {}): Promise<Page<T>> {
    return this.guarded(async () => {
      const keys = normalizeSort(opts.sort);
      const limit = normalizeLimit(opts);
      const parts = [...mongoFilter(parseFilter(filter)), ...this.visible()];
      if (opts.after !== undefined) parts.push(afterFilter(keys, decodeCursor(keys, opts.after)));
      const docs = await this.driver
        .find(allOf(parts), { ...HIDE_TTL, sort: mongoSort(keys), limit: limit + 1, session: this.session })
        .toArray();
      const items = docs.slice(0, limit) as unknown as T[];
      const last = items[items.length - 1];
      if (docs.length <= limit || last === undefined) return { items };
      return {
        items,
        next: encodeCursor(
          keys,
          keys.map((key) => readPath(last, key.path) ?? null),
        ),
      };
    });
  }

  count(filter?: Filter): Promise<number> {
    return this.guarded(() =>
      this.driver.countDocuments(allOf([...mongoFilter(parseFilter(filter)), ...this.visible()]), {
        session: this.session,
      }),
    );
  }

  insert(doc: T): Promise<void> {
    return this.guarded(async () => {
      assertStorable(this.name, doc);
      await this.dropExpired(doc._id);
      await this.driver.insertOne(this.stored(doc), { session: this.session });
    }, doc?._id);
  }

  upsert(doc: T): Promise<void> {
    return this.guarded(async () => {
      assertStorable(this.name, doc);
      await this.driver.replaceOne({ _id: doc._id } as Document, this.stored(doc), {
        upsert: true,
        session: this.session,
      });
    }, doc?._id);
  }

  replaceIfVersion(doc: T, expectedVersion: number): Promise<T> {
    return this.guarded(async () => {
      assertStorable(this.name, doc);
      assertVersion(expectedVersion);
      const stored = { ...doc, version: expectedVersion + 1 };
      if (expectedVersion === 0) {
        await this.dropExpired(doc._id);
        try {
          await this.driver.insertOne(this.stored(stored), { session: this.session });
          return stored;
        } catch (err) {
          if (!isIdDuplicate(err)) throw err;
          throw await this.conflict(doc._id, expectedVersion);
        }
      }
      const guard = allOf([{ _id: doc._id, version: expectedVersion }, ...this.visible()]);
      const result = await this.driver.replaceOne(guard, this.stored(stored), { session: this.session });
      if (result.matchedCount === 0) throw await this.conflict(doc._id, expectedVersion);
      return stored;
    }, doc?._id);
  }

  increment(id: string, field: string, by: number, guard: IncrementGuard = {}): Promise<number> {
    return this.guarded(async () => {
      assertIncrement(field, by);
      // The guard is evaluated on the stored value by the same atomic findOneAndUpdate that writes,
      // with the same arithmetic as the write ($add), so concurrent increments cannot overshoot.
      const next = { $add: [{ $ifNull: [`$${field}`, 0] }, by] };
      const checks: Document[] = [
        { $or: [{ $isNumber: `$${field}` }, { $eq: [{ $type: `$${field}` }, 'missing'] }] },
      ];
      if (guard.max !== undefined) checks.push({ $lte: [next, guard.max] });
      if (guard.min !== undefined) checks.push({ $gte: [next, guard.min] });
      const filter = allOf([{ _id: id }, ...this.visible(), { $expr: { $and: checks } }]);
      const after = await this.driver.findOneAndUpdate(
        filter,
        { $inc: { [field]: by } },
        { returnDocument: 'after', projection: { [field]: 1 }, session: this.session },
      );
      if (after) return readPath(after, field) as number;
      throw failedIncrementError(this.name, id, field, by, await this.read(id));
    }, id);
  }

  delete(id: string): Promise<boolean> {
    return this.guarded(async () => {
      const result = await this.driver.deleteOne(allOf([{ _id: id }, ...this.visible()]), {
        session: this.session,
      });
      return result.deletedCount > 0;
    }, id);
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.guarded(async () => {
      const parts = [...mongoFilter(parseFilter(filter)), ...this.visible()];
      const result = await this.driver.deleteMany(allOf(parts), { session: this.session });
      return result.deletedCount;
    });
  }

  private async read(id: string): Promise<T | null> {
    const doc = await this.driver.findOne(allOf([{ _id: id }, ...this.visible()]), {
      ...HIDE_TTL,
      session: this.session,
    });
    return doc as T | null;
  }

  private visible(): Document[] {
    return notExpired(this.expiresAtField, this.ctx.clock.now());
  }

  /** Frees the `_id` of an expired lease document so it can be created again before the TTL monitor runs. */
  private async dropExpired(id: string): Promise<void> {
    const field = this.expiresAtField;
    if (field === undefined) return;
    await this.driver.deleteOne({ _id: id, [field]: { $lte: this.ctx.clock.now() } } as Document, {
      session: this.session,
    });
  }

  /**
   * The document as stored, refused past MAX_DOCUMENT_BYTES before it is sent: the server's own
   * refusal comes as one of several errors, depending on the size and the operation.
   */
  private stored(doc: Doc): Document {
    const field = this.expiresAtField;
    const expiry = field === undefined ? undefined : readPath(doc, field);
    const stored = typeof expiry === 'number' ? { ...doc, [TTL_FIELD]: new Date(expiry) } : { ...doc };
    const bytes = BSON.calculateObjectSize(stored);
    if (bytes > MAX_DOCUMENT_BYTES)
      throw new StoreDocumentTooLargeError(this.name, doc._id, bytes, MAX_DOCUMENT_BYTES);
    return stored;
  }

  private async conflict(id: string, expectedVersion: number): Promise<StoreRevisionConflictError> {
    const current = await this.read(id);
    const actual = current === null ? null : typeof current['version'] === 'number' ? current['version'] : 0;
    return new StoreRevisionConflictError(this.name, id, expectedVersion, actual);
  }

  private guarded<R>(operation: () => Promise<R>, id?: string): Promise<R> {
    return this.run(async () => {
      try {
        return await operation();
      } catch (err) {
        // Inside a transaction, a transient error (a write conflict with a concurrent transaction)
        // must reach session.withTransaction untranslated: it retries the callback on that label.
        if (this.session && err instanceof MongoError && err.hasErrorLabel('TransientTransactionError'))
          throw err;
        throw translateOperationError(err, this.ctx.url, this.name, id);
      }
    });
  }
}
