import { AutopilotError } from '@autopilot/kernel';
import { MongoError, MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { StoreDuplicateKeyError, StoreUnavailableError, StoreUsageError } from '../errors';

/** `mongodb://user:secret@host` → `mongodb://user:***@host`: URLs appear in errors and logs. */
export function maskMongoUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0] ?? '';
    return userinfo.includes(':') ? `${scheme}${user}:***@` : `${scheme}${user}@`;
  });
}

function isDuplicateKey(err: MongoError): boolean {
  return err.code === 11000 || err.code === 11001;
}

/**
 * Whether a duplicate-key error was on `_id` (rather than a declared unique index), from the
 * `keyPattern` the server attaches to every duplicate-key error (MongoDB 4.2 and later; production
 * pins a current server). Without one it answers false: the caller reports a duplicate key, never
 * guesses from the message text.
 */
export function isIdDuplicate(err: unknown): boolean {
  if (!(err instanceof MongoError) || !isDuplicateKey(err)) return false;
  const pattern = (err as MongoError & { keyPattern?: Record<string, unknown> }).keyPattern;
  return pattern !== undefined && Object.keys(pattern).length === 1 && '_id' in pattern;
}

/**
 * Translates driver errors at the adapter boundary so no driver type reaches callers: duplicate key →
 * StoreDuplicateKeyError; unreachable server → StoreUnavailableError naming the masked URL; other
 * driver errors → StoreUnavailableError with the server's reason. The caller's own errors (thrown
 * from a transaction callback) and Autopilot errors pass through.
 */
export function translateMongoError(err: unknown, url: string, collection?: string, id?: string): unknown {
  if (err instanceof AutopilotError || !(err instanceof MongoError)) return err;
  const location = maskMongoUrl(url);
  // Driver messages can echo the connection string; never let a password through.
  const reason = err.message.split(url).join(location);
  if (isDuplicateKey(err)) return new StoreDuplicateKeyError(collection ?? '?', id ?? '?', { cause: err });
  if (err.code === 14 || err.code === 2)
    return new StoreUsageError(`${collection ?? '?'}/${id ?? '?'}: ${reason}`, { cause: err });
  if (err instanceof MongoServerSelectionError || err instanceof MongoNetworkError) {
    return new StoreUnavailableError(location, `cannot reach MongoDB: ${reason}`, { cause: err });
  }
  if (err instanceof MongoTopologyClosedError) {
    return new StoreUnavailableError(location, 'the store is closed', { cause: err });
  }
  return new StoreUnavailableError(location, `MongoDB refused the operation: ${reason}`, { cause: err });
}

/**
 * `translateMongoError` for a collection operation, where no caller code runs: an error the driver
 * raised outside its own classes (a TypeError from a value BSON cannot hold) is typed too:
 * StoreUsageError for a TypeError or RangeError, StoreUnavailableError otherwise, with `cause`.
 */
export function translateOperationError(err: unknown, url: string, collection: string, id?: string): unknown {
  if (err instanceof AutopilotError) return err;
  if (err instanceof MongoError) return translateMongoError(err, url, collection, id);
  const location = maskMongoUrl(url);
  const reason = (err instanceof Error ? err.message : String(err)).split(url).join(location);
  if (err instanceof TypeError || err instanceof RangeError) {
    return new StoreUsageError(`${collection}${id === undefined ? '' : `/${id}`}: ${reason}`, { cause: err });
  }
  return new StoreUnavailableError(location, `failed: ${reason}`, { cause: err });
}
