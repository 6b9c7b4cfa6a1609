import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { DeadLetter } from '../message-bus';
import { deadLetterSubject } from '../subject-family';
import { textEncoder } from './codec';
import { claimCheckedMessage, type PayloadRef } from './payload-store';
import { STREAMS } from './provisioning';

/**
 * The `msgID` of a consumer's dead letter for one stored message: however often it is recorded
 * (a subscriber killed between the dead letter and `term()`, another that then dead-letters the
 * redelivery on receipt), JetStream keeps one dead letter per message and consumer.
 */
export const deadLetterMsgId = (consumer: string, stream: string, seq: number): string =>
  `${consumer}:${stream}:${seq}`;

/** Past this many characters a reason is cut, and only in a dead letter too large to publish. */
const MAX_REASON_CHARS = 16 * 1024;

/**
 * A dead letter as the JSON one NATS message can carry, at most `limit` bytes when it can be made
 * so: a letter that never fits would leave its message redelivered forever. One too large keeps
 * the envelope's head and where the body is (`bodyRef`: the body stored in AP_PAYLOADS, or already
 * there) instead of the body; if that is still too large, a shortened reason.
 */
export async function encodeDeadLetter(
  letter: DeadLetter,
  limit: number,
  bodyRef: () => Promise<PayloadRef>,
): Promise<Uint8Array> {
  const whole = textEncoder.encode(JSON.stringify(letter));
  if (whole.length <= limit) return whole;
  const referenced: DeadLetter = { ...letter, message: claimCheckedMessage(letter.message, await bodyRef()) };
  const small = textEncoder.encode(JSON.stringify(referenced));
  if (small.length <= limit || letter.reason.length <= MAX_REASON_CHARS) return small;
  const reason = `${letter.reason.slice(0, MAX_REASON_CHARS)}… (${letter.reason.length} characters, cut)`;
  return textEncoder.encode(JSON.stringify({ ...referenced, reason }));
}

/**
 * Records a dead letter (`encodeDeadLetter`'s bytes) on `ap.dlq.<consumer>` and waits for
 * JetStream's ack. `msgId` makes a repeat (a crash between this and `term()`) a duplicate that
 * JetStream drops.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  consumer: string,
  letter: Uint8Array,
  msgId: string,
): Promise<void> {
  await js.publish(deadLetterSubject(consumer), letter, { msgID: msgId });
}

/**
 * Reads dead letters oldest first through a short-lived ephemeral consumer (2.9 has no
 * multi-subject direct get). `limit` takes the oldest N.
 */
export async function readDeadLetters(
  js: JetStreamClient,
  jsm: JetStreamManager,
  opts: { consumer?: string; limit?: number },
): Promise<DeadLetter[]> {
  const info = await jsm.consumers.add(STREAMS.dlq, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    filter_subject: opts.consumer === undefined ? 'ap.dlq.*' : deadLetterSubject(opts.consumer),
    inactive_threshold: nanos(30_000),
    mem_storage: true,
  });
  const want = Math.min(info.num_pending, opts.limit ?? Number.POSITIVE_INFINITY);
  const letters: DeadLetter[] = [];
  try {
    const consumer = await js.consumers.get(STREAMS.dlq, info.name);
    while (letters.length < want) {
      const batch = await consumer.fetch({
        max_messages: Math.min(want - letters.length, 256),
        expires: 2000,
      });
      let got = 0;
      for await (const m of batch as AsyncIterable<JsMsg>) {
        got++;
        letters.push(m.json<DeadLetter>());
      }
      if (got === 0) break;
    }
  } finally {
    await jsm.consumers.delete(STREAMS.dlq, info.name).catch(() => false);
  }
  return letters;
}
