/** Every stored document has a string `_id`. Values are JSON. */
export interface Doc {
  _id: string;
  [field: string]: unknown;
}

/**
 * Range and set conditions on one field. Ranges compare numbers with numbers and strings with
 * strings only; bounds of both types in one condition are refused (StoreUsageError).
 */
export interface FieldCondition {
  $eq?: unknown;
  $ne?: unknown;
  $in?: readonly unknown[];
  $gt?: number | string;
  $gte?: number | string;
  $lt?: number | string;
  $lte?: number | string;
  $exists?: boolean;
}
/**
 * The small filter language both adapters honour: top-level fields (dot paths reach into nested
 * objects) matched by equality or a FieldCondition; all conditions must hold.
 */
export type Filter = Record<string, unknown | FieldCondition>;

/**
 * Sort by fields, 1 ascending and -1 descending; `_id` is always the final tie-breaker. A missing
 * or null field sorts first ascending. Sorts (like ranges) are defined over one type per field:
 * all numbers or all strings. Where documents mix types in a sorted field, the adapters order them
 * differently (MongoDB's BSON order puts objects, arrays and booleans after strings; SQLite orders
 * booleans with numbers and objects with strings), so callers must not rely on that order.
 */
export type Sort = Record<string, 1 | -1>;

export interface FindOptions {
  sort?: Sort;
  /** Page size. Default 100, at most 1000. */
  limit?: number;
  /** The `next` cursor of the previous page: continues after its last document. */
  after?: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more documents may follow; pass as `after`. */
  next?: string;
}

export interface IndexSpec {
  fields: Record<string, 1 | -1>;
  /**
   * No two documents may hold the same values in these fields. A document where any of them is
   * missing or null is left out of the check (both adapters: SQLite's unique index ignores NULLs,
   * MongoDB's is partial on non-null types). Defined for string and number values.
   */
  unique?: boolean;
}

export interface CollectionSpec {
  name: string;
  indexes?: readonly IndexSpec[];
  /**
   * Lease documents: this field holds an expiry instant (ms since epoch). A document past it is
   * invisible to get/find/count at once and removed from storage eventually. Every operation treats
   * it as absent: insert and replaceIfVersion(doc, 0) may take its `_id` again (version restarts at
   * 1, so fence stale holders with a separate counter, not `version`), increment and delete miss it.
   */
  expiresAtField?: string;
}

export interface IncrementGuard {
  /** Refuse (StoreCapExceededError) when the new value would exceed this. */
  max?: number;
  /** Refuse when the new value would fall below this. */
  min?: number;
}

export interface Collection<T extends Doc> {
  /** The document, or null when absent or expired. */
  get(id: string): Promise<T | null>;
  /** One page of documents matching `filter`, in `sort` order with `_id` as tie-breaker. */
  find(filter?: Filter, opts?: FindOptions): Promise<Page<T>>;
  count(filter?: Filter): Promise<number>;
  /** Inserts a new document. Throws StoreDuplicateKeyError when `_id` or a unique index is taken. */
  insert(doc: T): Promise<void>;
  /** Inserts or replaces the whole document by `_id`. */
  upsert(doc: T): Promise<void>;
  /**
   * Compare-and-set on the numeric `version` field: replaces the stored document only while its
   * version is `expectedVersion` (0 = must not exist yet), writing `expectedVersion + 1`.
   * Returns the stored document. Throws StoreRevisionConflictError otherwise.
   */
  replaceIfVersion(doc: T, expectedVersion: number): Promise<T>;
  /**
   * Atomically adds `by` to the numeric `field` (missing counts as 0) of an existing document, only
   * while the guard holds. Returns the new value; throws StoreCapExceededError (nothing written)
   * or StoreNotFoundError. Concurrent increments never overshoot the guard.
   */
  increment(id: string, field: string, by: number, guard?: IncrementGuard): Promise<number>;
  /** Removes by `_id`; true when something was removed. */
  delete(id: string): Promise<boolean>;
  /** Removes every document matching `filter`; returns how many. */
  deleteMany(filter: Filter): Promise<number>;
}

/** What a transaction callback receives: collections whose writes commit together. */
/**
 * The largest document a store holds, in bytes: MongoDB's BSON limit (16 MiB). Writing a larger one
 * throws StoreDocumentTooLargeError on either store; what can grow without bound (an outbox envelope,
 * a plan) is split across documents by whoever writes it.
 */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

export interface StoreTransaction {
  collection<T extends Doc>(name: string): Collection<T>;
}

export interface DocumentStore {
  /** Declares a collection and its indexes (idempotent); call at start before use. */
  ensureCollection(spec: CollectionSpec): Promise<void>;
  /** A declared collection. Throws StoreUnknownCollectionError for an undeclared name. */
  collection<T extends Doc>(name: string): Collection<T>;
  /**
   * Runs `fn`; every write made through `tx` commits together or, when `fn` throws, not at all
   * (the error is rethrown). Writes made outside `tx` meanwhile are not part of it. Inside `fn`, go
   * through `tx` only: calls on this store's own collections or a nested transaction() are refused
   * with StoreUsageError. MongoDB may run `fn` more than once after a transient write conflict.
   */
  transaction<R>(fn: (tx: StoreTransaction) => Promise<R>): Promise<R>;
  /** Flushes and releases files or connections. */
  close(): Promise<void>;
}
export const DocumentStore = Symbol('DocumentStore');
