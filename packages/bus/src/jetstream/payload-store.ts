import { envelopeHead } from '../letter-message';
import { createHash } from 'node:crypto';
import { describeError, systemTimers, type TimerHandle, type Timers } from '@autopilot/kernel';
import type { ObjectStore } from '@nats-io/obj';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { PayloadMissingError, PayloadTooLargeError, PayloadUnavailableError } from '../errors';
import { CLAIM_CHECK_BYTES_HEADER, CLAIM_CHECK_HEADER, headerValue, textDecoder, textEncoder } from './codec';

/**
 * The claim check. Events carry the state they announce (DESIGN.md), so a 500k-word blueprint makes
 * a ~12 MB `blueprint.ingested`, while most servers keep the 1 MiB default `max_payload`. A body too
 * large for one NATS message is stored in the AP_PAYLOADS object store first; the stream then gets
 * a stub with an empty body and an `Ap-Payload: <bucket>/<name>` header, and the subscription
 * fetches the body back before decoding, so a handler cannot tell the two apart.
 */
export const PAYLOADS_BUCKET = 'AP_PAYLOADS';

/** NATS's default `max_payload`, for a connection that has not said its own yet. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * Room kept in `max_payload` for the headers that travel with a body (trace context,
 * `Nats-Msg-Id`, the caller's own): NATS counts headers and body together.
 */
export const HEADER_ROOM_BYTES = 64 * 1024;

/**
 * The largest body one message on this connection carries. Read per call: after a reconnect the
 * connection may be on another server of the cluster, with another limit.
 */
export function maxBodyBytes(nc: NatsConnection): number {
  return Math.max(0, (nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADER_ROOM_BYTES);
}

/**
 * The body size past which a message is claim-checked: `maxInlineBytes` when set (tests force it
 * small), never more than the server takes.
 */
export function inlineLimit(nc: NatsConnection, maxInlineBytes: number | undefined): number {
  const server = maxBodyBytes(nc);
  return maxInlineBytes === undefined ? server : Math.max(0, Math.min(maxInlineBytes, server));
}

/** Where a claim-checked body is kept, as the dead letter of such a message records it. */
export interface PayloadRef {
  readonly bucket: string;
  readonly name: string;
  readonly bytes: number;
}

/**
 * The object name of a body: its message id and its digest. The id makes a re-publish of the same
 * envelope (the outbox relay retrying) write the same object again, never a second one. The digest
 * keeps a different body under a reused id from overwriting the first: JetStream drops the second
 * stub as a duplicate, so the first stub must still find the first body. Without an id (a raw
 * publish) the digest alone names it.
 */
export function objectName(msgId: string | undefined, body: Uint8Array): string {
  const digest = createHash('sha256').update(body).digest('base64url');
  return msgId === undefined ? digest : `${msgId}/${digest}`;
}

/** The headers of the stub that stands for a claim-checked body. */
export function claimCheckHeaders(ref: PayloadRef): Record<string, string> {
  return {
    [CLAIM_CHECK_HEADER]: `${ref.bucket}/${ref.name}`,
    [CLAIM_CHECK_BYTES_HEADER]: String(ref.bytes),
  };
}

/** A received message's claim check: none (the body is inline), readable, or not. */
export type ClaimCheck =
  | { readonly ok: true; readonly ref: PayloadRef }
  | { readonly ok: false; readonly value: string; readonly reason: string };

/** Reads the claim check of a received message; undefined when its body is inline. */
export function readClaimCheck(headers: MsgHdrs | undefined): ClaimCheck | undefined {
  const value = headerValue(headers, CLAIM_CHECK_HEADER);
  if (value === undefined) return undefined;
  const slash = value.indexOf('/');
  const bucket = slash < 0 ? value : value.slice(0, slash);
  const name = slash < 0 ? '' : value.slice(slash + 1);
  if (bucket !== PAYLOADS_BUCKET || name.length === 0) {
    return {
      ok: false,
      value,
      reason: `the ${CLAIM_CHECK_HEADER} header "${value}" is not ${PAYLOADS_BUCKET}/<object name>`,
    };
  }
  const bytes = Number(headerValue(headers, CLAIM_CHECK_BYTES_HEADER));
  return { ok: true, ref: { bucket, name, bytes: Number.isSafeInteger(bytes) ? bytes : 0 } };
}

/**
 * A stub's body: the envelope's head (its short string fields, no `data`), so a message whose body
 * is never fetched (too large, missing) still names its id, correlation and project in its dead
 * letter, and its service can announce the end of the job it carried. Readers that follow the
 * `Ap-Payload` header ignore it; older stubs have an empty body.
 */
export function stubBody(head: Readonly<Record<string, string>>): Uint8Array<ArrayBuffer> {
  return textEncoder.encode(JSON.stringify(head));
}

/** The longest stub body read back as a head: a head's fields are bounded (envelopeHead). */
const MAX_STUB_BYTES = 16 * 1024;

/** The envelope head a stub carries (see `stubBody`), or `{}` when it has none or is not one. */
export function readStubHead(body: Uint8Array): Record<string, string> {
  if (body.length === 0 || body.length > MAX_STUB_BYTES) return {};
  try {
    return envelopeHead(JSON.parse(textDecoder.decode(body)));
  } catch {
    return {};
  }
}

/**
 * What a dead letter keeps of a message whose body is in the payload store: the envelope's head
 * (when the body parsed as one) and where the whole body is. Never the body: a dead letter is one
 * NATS message, and the body is what did not fit in one.
 */
export function claimCheckedMessage(message: unknown, ref: PayloadRef): Record<string, unknown> {
  return { ...envelopeHead(message), claimCheck: ref };
}

/**
 * Longest wait for one body. The object store reads through an ordered push consumer, which has no
 * deadline of its own: a read stuck on a server hiccup would otherwise hold a handler slot forever.
 */
const FETCH_TIMEOUT_MS = 30_000;

/** The AP_PAYLOADS bucket: stores bodies too large to travel inline and fetches them back. */
export class PayloadStore {
  constructor(
    private readonly objects: ObjectStore,
    /** Runs the fetch timeout. */
    private readonly timers: Timers = systemTimers,
  ) {}

  /** Stores `body` (overwriting the same name: same id, same bytes) and says where it is. */
  async put(msgId: string | undefined, body: Uint8Array): Promise<PayloadRef> {
    const name = objectName(msgId, body);
    await this.objects.putBlob({ name }, body);
    return { bucket: PAYLOADS_BUCKET, name, bytes: body.length };
  }

  /**
   * The body `ref` points at, never more than `maxBytes` of it in memory: the stored size is checked
   * before anything is read, and reading stops (the read is cancelled) once past `maxBytes`, since
   * the object's metadata is written by its publisher and may lie as a header may. Throws
   * PayloadTooLargeError past `maxBytes` (`subject` names the message in it), PayloadMissingError
   * when there is no such object (no retry helps), PayloadUnavailableError when the store could not
   * be read (a retry may).
   */
  async fetch(ref: PayloadRef, maxBytes: number, subject: string): Promise<Uint8Array> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = this.timers.after(FETCH_TIMEOUT_MS, () =>
        reject(new Error(`no answer within ${FETCH_TIMEOUT_MS} ms`)),
      );
    });
    try {
      return await Promise.race([this.read(ref, maxBytes, subject), timeout]);
    } catch (err) {
      if (err instanceof PayloadTooLargeError || err instanceof PayloadMissingError) throw err;
      throw new PayloadUnavailableError(ref.bucket, ref.name, describeError(err), { cause: err });
    } finally {
      timer?.cancel();
    }
  }

  private async read(ref: PayloadRef, maxBytes: number, subject: string): Promise<Uint8Array> {
    const info = await this.objects.info(ref.name);
    if (info === null || info.deleted) throw new PayloadMissingError(ref.bucket, ref.name);
    if (info.size > maxBytes) throw new PayloadTooLargeError(subject, info.size, maxBytes, 'store');
    const result = await this.objects.get(ref.name);
    if (result === null) throw new PayloadMissingError(ref.bucket, ref.name);
    const reader = result.data.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        // The object store's own completion (digest check) no longer matters: nothing awaits it.
        result.error.catch(() => undefined);
        throw new PayloadTooLargeError(subject, total, maxBytes, 'read');
      }
      chunks.push(value);
    }
    const failed = await result.error;
    if (failed) throw failed;
    const body = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      body.set(chunk, at);
      at += chunk.length;
    }
    return body;
  }
}
