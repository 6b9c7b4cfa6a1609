import type { MessageDef } from '@autopilot/contracts';
import { CONSUMER_NAME, InvalidConsumerNameError, WrongMessageKindError } from './errors';
import type { SubscribeOptions } from './message-bus';

/** SubscribeOptions with every default filled in; both adapters read these, so defaults agree. */
export interface ResolvedSubscribeOptions {
  readonly maxDeliveries: number;
  readonly backoffMs: readonly number[];
  readonly ackWaitMs: number;
  readonly concurrency: number;
  readonly prefetch: number;
  readonly onDeadLetter: SubscribeOptions['onDeadLetter'];
}

export const DEFAULT_BACKOFF_MS: readonly number[] = [1000, 5000, 15000, 30000];

export function resolveSubscribeOptions(opts: SubscribeOptions = {}): ResolvedSubscribeOptions {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
  const backoffMs = opts.backoffMs && opts.backoffMs.length > 0 ? opts.backoffMs : DEFAULT_BACKOFF_MS;
  return {
    maxDeliveries: Math.max(1, Math.floor(opts.maxDeliveries ?? 5)),
    backoffMs,
    ackWaitMs: Math.max(100, opts.ackWaitMs ?? 30_000),
    concurrency,
    // Fetched deliveries wait on ack wait without heartbeats: fetching further ahead than the
    // handlers can start redelivers messages that never failed once the handlers are slower than
    // ackWait / prefetch. Throughput tuning (the bench) passes its own prefetch.
    prefetch: Math.max(concurrency, Math.floor(opts.prefetch ?? concurrency)),
    onDeadLetter: opts.onDeadLetter,
  };
}

/** The delay before delivery `deliveryCount + 1`: the backoff entry for this attempt, the last repeating. */
export function backoffDelay(backoffMs: readonly number[], deliveryCount: number): number {
  return backoffMs[Math.min(deliveryCount - 1, backoffMs.length - 1)] ?? 0;
}

export function assertConsumerName(consumer: string): void {
  if (!CONSUMER_NAME.test(consumer)) throw new InvalidConsumerNameError(consumer);
}

/** Only events and commands are delivered to durable consumers; requests are served. */
export function assertSubscribable(def: MessageDef): void {
  if (def.kind === 'request') {
    throw new WrongMessageKindError(def.type, def.kind, 'answer it with serve(), not subscribe()');
  }
}

/** Only requests are served; events and commands go to durable consumers. */
export function assertServable(def: MessageDef): void {
  if (def.kind !== 'request') {
    throw new WrongMessageKindError(def.type, def.kind, 'subscribe() to it, not serve()');
  }
}
