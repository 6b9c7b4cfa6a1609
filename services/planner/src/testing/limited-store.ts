import { RelayNudgingStore } from '@autopilot/runtime';
import type { DocumentStore } from '@autopilot/store';

/**
 * `store` as the service host gives it a service, with the limit AUTOPILOT_MAX_MESSAGE_BYTES sets:
 * small in tests, so a test needs no 64 MiB plan. No relay runs here: the nudge goes nowhere.
 */
export function limitedStore(store: DocumentStore, maxBytes: number): DocumentStore {
  return new RelayNudgingStore(store, { nudge: () => undefined }, maxBytes);
}
