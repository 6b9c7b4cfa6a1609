import { AutopilotError } from '@autopilot/kernel';

export class StoreDuplicateKeyError extends AutopilotError {
  readonly code = 'STORE_DUPLICATE_KEY';
  constructor(
    readonly collection: string,
    readonly id: string,
    options?: ErrorOptions,
  ) {
    super(`${collection}: a document with key ${id} already exists`, options);
  }
}

export class StoreRevisionConflictError extends AutopilotError {
  readonly code = 'STORE_REVISION_CONFLICT';
  constructor(
    readonly collection: string,
    readonly id: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | null,
  ) {
    super(
      `${collection}/${id}: expected version ${expectedVersion}, found ${actualVersion === null ? 'no document' : actualVersion}`,
    );
  }
}

export class StoreCapExceededError extends AutopilotError {
  readonly code = 'STORE_CAP_EXCEEDED';
  constructor(
    readonly collection: string,
    readonly id: string,
    readonly field: string,
    readonly current: number,
    readonly by: number,
  ) {
    super(`${collection}/${id}: adding ${by} to ${field} (now ${current}) would pass its guard`);
  }
}

/**
 * A document larger than a store holds (MAX_DOCUMENT_BYTES: MongoDB's limit, counted as BSON there
 * and as UTF-8 JSON by the embedded store, which keeps to it so that what production could not
 * store fails in development and tests too). Nothing was written.
 */
export class StoreDocumentTooLargeError extends AutopilotError {
  readonly code = 'STORE_DOCUMENT_TOO_LARGE';
  constructor(
    readonly collection: string,
    readonly id: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${collection}/${id}: the document is ${bytes} bytes; a store document holds at most ${limit}`);
  }
}

export class StoreNotFoundError extends AutopilotError {
  readonly code = 'STORE_NOT_FOUND';
  constructor(
    readonly collection: string,
    readonly id: string,
  ) {
    super(`${collection}/${id} does not exist`);
  }
}

export class StoreUnknownCollectionError extends AutopilotError {
  readonly code = 'STORE_UNKNOWN_COLLECTION';
  constructor(readonly collection: string) {
    super(`collection ${collection} was not declared with ensureCollection()`);
  }
}

/** The store's file or server cannot be used: names the file or URL and why. Nothing was written. */
export class StoreUnavailableError extends AutopilotError {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(
    readonly location: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${location}: ${reason}`, options);
  }
}

/**
 * The caller used the store in a way it cannot honour: an undeclared operator or invalid field
 * path, a cursor from another query, a collection call inside `transaction(fn)` that should have
 * gone through `tx`, or an increment of a non-numeric field. Retrying cannot help.
 */
export class StoreUsageError extends AutopilotError {
  readonly code = 'STORE_USAGE';
  constructor(
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(problem, options);
  }
}
