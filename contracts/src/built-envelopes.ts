import type { MessageDef } from './define-message';

/**
 * Envelopes `buildEnvelope` returned, each with the contract its data was validated against then.
 * `validateEnvelope` does not validate their data again: the outbox relay checks every envelope it
 * sends, and a 500k-word plan's events (~35 MB of JSON) cost ~0.1 s per validation. An envelope is
 * a value: nothing changes one after it is built (the outbox stores it as built), and one read
 * back from a store or a wire is a new object, validated in full.
 */
const builtEnvelopes = new WeakMap<object, MessageDef>();

/** Records that `envelope` was built for `def` from data valid for it (`buildEnvelope` only). */
export function markBuilt(envelope: object, def: MessageDef): void {
  builtEnvelopes.set(envelope, def);
}

/** True when `envelope` is one `buildEnvelope` returned for `def`: its data is valid for `def`. */
export function builtFor(envelope: unknown, def: MessageDef): boolean {
  return contractBuiltFor(envelope) === def;
}

/**
 * The contract `envelope` was built for, when `buildEnvelope` returned it: the whole envelope is
 * valid for that contract. A bus that carries the envelope's own JSON within the process (the
 * in-process bus) need not validate that text again at each consumer.
 */
export function contractBuiltFor(envelope: unknown): MessageDef | undefined {
  return typeof envelope === 'object' && envelope !== null ? builtEnvelopes.get(envelope) : undefined;
}
