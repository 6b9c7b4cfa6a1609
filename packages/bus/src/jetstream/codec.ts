import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

export const textEncoder = new TextEncoder();

/** Builds NATS headers from a plain record (one value per key). */
export function toNatsHeaders(record: Readonly<Record<string, string>>): MsgHdrs {
  const h = natsHeaders();
  for (const key of Object.keys(record)) h.set(key, record[key]!);
  return h;
}

/**
 * A delivery's headers as a plain record, without JetStream's own `Nats-*` bookkeeping, so the
 * in-process and JetStream adapters hand handlers the same keys.
 */
export function headersToRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [key, values] of h) {
    if (key.startsWith('Nats-') || values.length === 0) continue;
    out[key] = values[0]!;
  }
  return out;
}

/** Reads one header, `undefined` when absent (MsgHdrs.get returns ''). */
export function headerValue(h: MsgHdrs | undefined, key: string): string | undefined {
  return h?.has(key) ? h.get(key) : undefined;
}
