import type { SortKey } from './query';
import { StoreUsageError } from './errors';

/**
 * The opaque page cursor: base64url JSON of the last returned document's sort-key values (ending
 * with its `_id`) and the sort it belongs to. Keyset continuation rather than an offset, so
 * documents inserted behind the cursor neither shift nor repeat later pages.
 */
interface CursorBody {
  /** The sort signature, so a cursor is refused by a query with a different sort. */
  s: string;
  /** One value per sort key; null stands for a missing field. */
  k: unknown[];
}

export function sortSignature(keys: readonly SortKey[]): string {
  return keys.map((key) => `${key.path}:${key.dir}`).join(',');
}

export function encodeCursor(keys: readonly SortKey[], values: readonly unknown[]): string {
  const body: CursorBody = { s: sortSignature(keys), k: values.map((v) => (v === undefined ? null : v)) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** The key values of a cursor made by `encodeCursor` for the same sort; StoreUsageError otherwise. */
export function decodeCursor(keys: readonly SortKey[], cursor: string): unknown[] {
  let body: Partial<CursorBody>;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>;
  } catch (err) {
    throw new StoreUsageError('the `after` cursor is not one this store issued', { cause: err });
  }
  if (body?.s !== sortSignature(keys) || !Array.isArray(body.k) || body.k.length !== keys.length) {
    throw new StoreUsageError(
      'the `after` cursor belongs to a different sort or is not one this store issued',
    );
  }
  return body.k;
}
