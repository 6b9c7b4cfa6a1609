import type { DeadLetter } from './message-bus';

/** Where the bus reports what an operator should see (connect retries, dead letters). pino fits. */
export type BusLog = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

/** One JSON line per entry on stderr: readable without a logger configured. */
export const consoleBusLog: BusLog = (level, msg, fields) => {
  console.error(JSON.stringify({ level, time: new Date().toISOString(), component: 'bus', msg, ...fields }));
};

/** The envelope id of a dead letter's message, when it parsed far enough to have one. */
function envelopeIdOf(message: unknown): string | undefined {
  const id = (message as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The one line both adapters write per dead letter: where, which message, what code and why. Never
 * the payload (it may carry a customer's data); the dead letter itself keeps the message.
 * `messageId` stands in when the message has no envelope id (the `Nats-Msg-Id` it was published
 * with); `extra` adds adapter fields (stream and sequence).
 */
export function logDeadLetter(
  log: BusLog,
  letter: DeadLetter,
  messageId?: string,
  extra?: Record<string, unknown>,
): void {
  log('warn', 'message dead-lettered', {
    subject: letter.subject,
    consumer: letter.consumer,
    messageId: envelopeIdOf(letter.message) ?? messageId,
    code: letter.code,
    reason: letter.reason,
    deliveryCount: letter.deliveryCount,
    ...extra,
  });
}
