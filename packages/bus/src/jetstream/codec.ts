import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

export const textEncoder = new TextEncoder();
export const textDecoder = new TextDecoder();

/**
 * The headers of a claim-checked message (payload-store.ts): where its body is, `<bucket>/<name>`,
 * and how many bytes it has. The bus writes and reads them; handlers never see them.
 */
export const CLAIM_CHECK_HEADER = 'Ap-Payload';
export const CLAIM_CHECK_BYTES_HEADER = 'Ap-Payload-Bytes';
const isBusHeader = (key: string): boolean =>
  key.startsWith('Nats-') || key === CLAIM_CHECK_HEADER || key === CLAIM_CHECK_BYTES_HEADER;

/** Builds NATS headers from a plain record (one value per key). */
export function toNatsHeaders(record: Readonly<Record<string, string>>): MsgHdrs {
  const h = natsHeaders();
  for (const key of Object.keys(record)) h.set(key, record[key]!);
  return h;
}

/**
 * A delivery's headers as a plain record, without JetStream's own `Nats-*` bookkeeping and the
 * claim check's headers, so the in-process and JetStream adapters hand handlers the same keys.
 */
export function headersToRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [key, values] of h) {
    if (isBusHeader(key) || values.length === 0) continue;
    out[key] = values[0]!;
  }
  return out;
}

/** `headers` without the claim-check ones: only the bus writes those. */
export function withoutBusHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(headers)) {
    if (key !== CLAIM_CHECK_HEADER && key !== CLAIM_CHECK_BYTES_HEADER) out[key] = headers[key]!;
  }
  return out;
}

/** Reads one header, `undefined` when absent (MsgHdrs.get returns ''). */
export function headerValue(h: MsgHdrs | undefined, key: string): string | undefined {
  return h?.has(key) ? h.get(key) : undefined;
}
