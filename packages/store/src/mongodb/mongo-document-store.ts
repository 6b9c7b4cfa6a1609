import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { systemClock, type Clock } from '@autopilot/kernel';
import type { Collection, CollectionSpec, Doc, DocumentStore, StoreTransaction } from '../document-store';
import { StoreUnavailableError, StoreUnknownCollectionError, StoreUsageError } from '../errors';
import { assertCollectionName, assertFieldPath } from '../query';
import { insideTransactionOf, transactionScope, type TransactionScope } from '../transaction-scope';
import { MongoCollection, TTL_FIELD, type MongoContext, type MongoRunner } from './mongo-collection';
import { maskMongoUrl, translateMongoError } from './mongo-errors';

export interface MongoStoreOptions {
  /** A MongoDB connection string; transactions need a replica set (production runs one). */
  url: string;
  /** The database holding this service's collections. */
  database: string;
  /** Decides lease expiry at query time. Default: the system clock. */
  clock?: Clock;
  /** How long to look for a usable server before failing. Default 5000 ms. */
  serverSelectionTimeoutMS?: number;
}

const NAMESPACE_EXISTS = 48;
/** Every BSON type a JSON value is stored as, except null: the `$type` filter of unique indexes. */
const NON_NULL_JSON = ['string', 'number', 'bool', 'object', 'array'];

/**
 * Connects to MongoDB and checks the server answers. Throws StoreUnavailableError naming the URL
 * (password masked) when no server can be reached within `serverSelectionTimeoutMS`.
 */
export async function connectMongoStore(options: MongoStoreOptions): Promise<MongoDocumentStore> {
  let client: MongoClient | undefined;
  try {
    client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
      // Undefined fields are dropped, as JSON.stringify drops them on the embedded store.
      ignoreUndefined: true,
    });
    await client.connect();
    await client.db(options.database).command({ ping: 1 });
  } catch (err) {
    await client?.close().catch(() => undefined);
    const translated = translateMongoError(err, options.url);
    if (translated instanceof StoreUnavailableError) throw translated;
    // The driver's message may quote the connection string (a parse error does): masked.
    const location = maskMongoUrl(options.url);
    const reason = err instanceof Error ? err.message.split(options.url).join(location) : String(err);
    throw new StoreUnavailableError(location, `cannot connect: ${reason}`, { cause: err });
  }
  return new MongoDocumentStore(
    options.url,
    client,
    client.db(options.database),
    options.clock ?? systemClock,
  );
}

/** The MongoDB DocumentStore, a thin layer over the official driver. Create with `connectMongoStore`. */
export class MongoDocumentStore implements DocumentStore {
  private readonly specs = new Map<string, CollectionSpec>();
  private readonly context: MongoContext;
  private closed = false;

  /** @internal use connectMongoStore */
  constructor(
    url: string,
    private readonly client: MongoClient,
    private readonly db: Db,
    clock: Clock,
  ) {
    this.context = { url, clock };
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    assertCollectionName(spec.name);
    for (const index of spec.indexes ?? []) Object.keys(index.fields).forEach(assertFieldPath);
    if (spec.expiresAtField !== undefined) assertFieldPath(spec.expiresAtField);
    await this.outside(async () => {
      try {
        // Created explicitly: a transaction cannot create a collection on servers before 4.4.
        await this.db.createCollection(spec.name);
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === NAMESPACE_EXISTS)) throw err;
      }
      const driver = this.db.collection(spec.name);
      for (const index of spec.indexes ?? []) {
        const fields = Object.keys(index.fields);
        await driver.createIndex(
          index.fields,
          // SQLite's unique index ignores rows where any of its columns is NULL, and the generated
          // column is NULL for a missing field and for an explicit null alike. So a unique index
          // here holds only documents where every field has a non-null JSON value: `$exists` alone
          // would index explicit nulls, and two of them would conflict on MongoDB only.
          index.unique
            ? {
                unique: true,
                partialFilterExpression: Object.fromEntries(fields.map((f) => [f, { $type: NON_NULL_JSON }])),
              }
            : {},
        );
      }
      if (spec.expiresAtField !== undefined) {
        await driver.createIndex({ [spec.expiresAtField]: 1 });
        await driver.createIndex({ [TTL_FIELD]: 1 }, { expireAfterSeconds: 0 });
      }
      this.specs.set(spec.name, spec);
    });
  }

  collection<T extends Doc>(name: string): Collection<T> {
    const spec = this.spec(name);
    return new MongoCollection<T>(this.context, spec, this.db.collection(name), (operation) =>
      this.outside(operation),
    );
  }

  transaction<R>(fn: (tx: StoreTransaction) => Promise<R>): Promise<R> {
    if (insideTransactionOf(this)) {
      return Promise.reject(
        new StoreUsageError('transaction() called inside a transaction of the same store'),
      );
    }
    return this.outside(async () => {
      const session = this.client.startSession();
      try {
        // withTransaction may call the callback again after a transient error (write conflict), so
        // each attempt gets a fresh scope; only the last attempt's writes commit.
        return await session.withTransaction(async () => {
          const scope: TransactionScope = { store: this, active: true };
          const run: MongoRunner = (operation) =>
            scope.active
              ? operation()
              : Promise.reject(
                  new StoreUsageError('a transaction handle was used after its transaction ended'),
                );
          const tx: StoreTransaction = {
            collection: <T extends Doc>(name: string) =>
              new MongoCollection<T>(this.context, this.spec(name), this.db.collection(name), run, session),
          };
          try {
            return await transactionScope.run(scope, () => fn(tx));
          } finally {
            scope.active = false;
          }
        });
      } finally {
        await session.endSession();
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  private spec(name: string): CollectionSpec {
    const spec = this.specs.get(name);
    if (!spec) throw new StoreUnknownCollectionError(name);
    return spec;
  }

  private async outside<R>(operation: () => Promise<R>): Promise<R> {
    if (insideTransactionOf(this)) {
      throw new StoreUsageError(
        'store.collection() used inside transaction(fn): use tx.collection() so the write joins it',
      );
    }
    if (this.closed) throw new StoreUnavailableError(maskMongoUrl(this.context.url), 'the store is closed');
    try {
      return await operation();
    } catch (err) {
      throw translateMongoError(err, this.context.url);
    }
  }
}
