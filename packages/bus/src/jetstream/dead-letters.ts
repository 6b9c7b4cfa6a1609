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
import { STREAMS } from './provisioning';

/**
 * The `msgID` of a consumer's dead letter for one stored message: however often it is recorded
 * (a subscriber killed between the dead letter and `term()`, another that then dead-letters the
 * redelivery on receipt), JetStream keeps one dead letter per message and consumer.
 */
export const deadLetterMsgId = (consumer: string, stream: string, seq: number): string =>
  `${consumer}:${stream}:${seq}`;

/**
 * Records a dead letter on `ap.dlq.<consumer>` and waits for JetStream's ack. `msgId` makes a
 * repeat (a crash between this and `term()`) a duplicate that JetStream drops.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  letter: DeadLetter,
  msgId: string,
): Promise<void> {
  await js.publish(deadLetterSubject(letter.consumer), textEncoder.encode(JSON.stringify(letter)), {
    msgID: msgId,
  });
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
