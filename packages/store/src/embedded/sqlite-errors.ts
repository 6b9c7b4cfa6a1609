import { AutopilotError } from '@autopilot/kernel';
import { StoreDuplicateKeyError, StoreUnavailableError } from '../errors';

/** better-sqlite3's SqliteError carries the extended result code as a string. */
function sqliteCode(err: unknown): string | undefined {
  if (err instanceof Error && err.name === 'SqliteError') return (err as Error & { code?: string }).code;
  return undefined;
}

export function isPrimaryKeyViolation(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Translates a driver error at the adapter boundary: constraint violations become
 * StoreDuplicateKeyError, anything else from SQLite StoreUnavailableError naming the file. Errors
 * that are already Autopilot errors (or the caller's own, from a transaction callback) pass through.
 */
export function translateSqliteError(err: unknown, file: string, collection?: string, id?: string): unknown {
  if (err instanceof AutopilotError) return err;
  const code = sqliteCode(err);
  if (code === undefined) return err;
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
