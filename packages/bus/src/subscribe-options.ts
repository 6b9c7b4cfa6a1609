import type { MessageDef } from '@autopilot/contracts';
import { CONSUMER_NAME, InvalidConsumerNameError } from './errors';
import type { SubscribeOptions } from './message-bus';

/** SubscribeOptions with every default filled in; both adapters read these, so defaults agree. */
export interface ResolvedSubscribeOptions {
  readonly maxDeliveries: number;
  readonly backoffMs: readonly number[];
  readonly ackWaitMs: number;
  readonly concurrency: number;
  readonly prefetch: number;
}

export const DEFAULT_BACKOFF_MS: readonly number[] = [1000, 5000, 15000, 30000];

export function resolveSubscribeOptions(
  def: MessageDef,
  opts: SubscribeOptions = {},
): ResolvedSubscribeOptions {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
  const backoffMs = opts.backoffMs && opts.backoffMs.length > 0 ? opts.backoffMs : DEFAULT_BACKOFF_MS;
  return {
    maxDeliveries: Math.max(1, Math.floor(opts.maxDeliveries ?? 5)),
    backoffMs,
    ackWaitMs: Math.max(100, opts.ackWaitMs ?? 30_000),
    concurrency,
    // Commands are long work shared by replicas: fetching ahead would park work on a busy replica.
    prefetch: Math.max(concurrency, Math.floor(opts.prefetch ?? (def.kind === 'command' ? concurrency : 64))),
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
    throw new TypeError(`${def.type} is a request: answer it with serve(), not subscribe()`);
  }
}
