import { monotonicFactory } from 'ulid';

/** Identifiers as a port: ULIDs in production (sortable by creation time), scripted in tests. */
export interface IdSource {
  /** A new unique, lexicographically time-ordered id. */
  next(): string;
}

export function ulidSource(): IdSource {
  const next = monotonicFactory();
  return { next: () => next() };
}
/** Injection token for the IdSource port (the runtime provides ULIDs). */
export const IdSource = Symbol('IdSource');
