import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Marks the async context of a running `transaction(fn)` callback. A call on the store's own
 * collections from inside it would, on SQLite, wait for the very transaction it is part of, and on
 * MongoDB run outside it: both adapters refuse it with StoreUsageError instead.
 */
export interface TransactionScope {
  readonly store: object;
  active: boolean;
}

export const transactionScope = new AsyncLocalStorage<TransactionScope>();

/** True while `store`'s transaction callback is running in the current async context. */
export function insideTransactionOf(store: object): boolean {
  const scope = transactionScope.getStore();
  return scope !== undefined && scope.store === store && scope.active;
}
