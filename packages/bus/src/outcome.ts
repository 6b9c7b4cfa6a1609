import { describeError } from '@autopilot/kernel';
import { backoffDelay, type ResolvedSubscribeOptions } from './subscribe-options';

/** What the bus does with a delivery once its handler has settled. */
export type Outcome =
  | { readonly kind: 'ack' }
  | { readonly kind: 'dead'; readonly code: string; readonly reason: string }
  | { readonly kind: 'retry'; readonly delayMs: number };

export const ACK: Outcome = { kind: 'ack' };

const TERMINAL_CODES = new Set(['BUS_NON_RETRYABLE', 'CONTRACT_VIOLATION']);

/** A RefusedDeliveryError, from this copy of the package or another. */
function refusesDelivery(err: unknown): boolean {
  return (err as { refusesDelivery?: unknown } | null)?.refusesDelivery === true;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a handler's failure into the bus's verdict. NonRetryableError, ContractViolationError and
 * any RefusedDeliveryError are dead-lettered at once under their own code. Codes, not `instanceof`,
 * so errors thrown from another copy of kernel (or rebuilt from another process) are still
 * recognised.
 * `backoffOverrideMs` replaces the consumer's backoff (the in-process bus's test knob), never a
 * RetryLaterError's own delay.
 */
export function decideOutcome(
  err: unknown,
  deliveryCount: number,
  opts: ResolvedSubscribeOptions,
  backoffOverrideMs?: number,
): Outcome {
  const code = codeOf(err);
  if (code !== undefined && (TERMINAL_CODES.has(code) || refusesDelivery(err)))
    return { kind: 'dead', code, reason: describeError(err) };
  if (deliveryCount >= opts.maxDeliveries) {
    return {
      kind: 'dead',
      code: 'BUS_MAX_DELIVERIES',
      reason: `gave up after ${deliveryCount} deliveries: ${describeError(err)}`,
    };
  }
  if (code === 'BUS_RETRY_LATER') {
    const delayMs = (err as { delayMs?: unknown }).delayMs;
    if (typeof delayMs === 'number' && delayMs >= 0) return { kind: 'retry', delayMs };
  }
  return { kind: 'retry', delayMs: backoffOverrideMs ?? backoffDelay(opts.backoffMs, deliveryCount) };
}
