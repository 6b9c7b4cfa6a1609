import { AutopilotError } from '@autopilot/kernel';
import { StoreDuplicateKeyError, StoreUnavailableError, StoreUsageError } from '../errors';

/**
 * better-sqlite3's SqliteError carries the extended result code as a string. Recognised by its
 * name and code, not `instanceof`: the native addon keeps the SqliteError class of the first realm
 * that loaded it, so under a test runner with one realm per file its errors are not `instanceof`
 * the current realm's Error.
 */
export function sqliteCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { name, code } = err as { name?: unknown; code?: unknown };
  return name === 'SqliteError' && typeof code === 'string' ? code : undefined;
}

export function isPrimaryKeyViolation(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Whether `err` came from SQLite (better-sqlite3's SqliteError). */
export function isSqliteError(err: unknown): boolean {
  return sqliteCode(err) !== undefined;
}

/**
 * Translates an error from a store operation at the adapter boundary, so no driver or runtime error
 * reaches callers untyped: constraint violations become StoreDuplicateKeyError, anything else from
 * SQLite StoreUnavailableError naming the file; a TypeError or RangeError (a document JSON cannot
 * hold, a value SQLite cannot bind) becomes StoreUsageError, and any other error
 * StoreUnavailableError, each with the original as `cause`. Autopilot errors pass through.
 * Not for errors thrown by a transaction callback: those are the caller's and are rethrown as they are.
 */
export function translateSqliteError(err: unknown, file: string, collection?: string, id?: string): unknown {
  if (err instanceof AutopilotError) return err;
  const code = sqliteCode(err);
  const where = `${collection ?? '?'}${id === undefined ? '' : `/${id}`}`;
  if (code === undefined) {
    const reason = err instanceof Error ? err.message : String(err);
    if (err instanceof TypeError || err instanceof RangeError) {
      return new StoreUsageError(`${where}: ${reason}`, { cause: err });
    }
    return new StoreUnavailableError(file, `failed: ${reason}`, { cause: err });
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new StoreDuplicateKeyError(collection ?? '?', id ?? '?', { cause: err });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreUnavailableError(file, 'is not a valid Autopilot store (SQLite reports it corrupt)', {
      cause: err,
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreUnavailableError(file, 'is busy: another connection holds a write lock', { cause: err });
  }
  return new StoreUnavailableError(file, `SQLite failed (${code}): ${(err as Error).message}`, {
    cause: err,
  });
}
