import type { MessageBus } from '@autopilot/bus';
import { describeError } from '@autopilot/kernel';
import { markPublished, pendingOutbox, type DocumentStore } from '@autopilot/store';
import type { Logger } from 'pino';

export interface OutboxRelayOptions {
  store: DocumentStore;
  bus: MessageBus;
  logger: Logger;
  /** How often to drain when nobody nudges. */
  intervalMs: number;
  /** Entries read per store query. Default 100. */
  batchSize?: number;
}

/**
 * Publishes what a service committed to its outbox (DESIGN.md section 4): reads pending entries
 * oldest first, publishes each envelope, marks the published ones. A failed publish stops the round
 * (so order holds) and is retried next round; re-publishing is safe because the bus drops a second
 * envelope with the same id. One drain runs at a time; a nudge during a drain asks for another.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Consecutive failed rounds: the first is a warning, the rest debug, recovery is info. */
  private failures = 0;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.batchSize = opts.batchSize ?? 100;
  }

  /** Starts the interval. Idempotent. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.nudge(), this.opts.intervalMs);
    // The relay never keeps the process alive by itself: shutdown decides when it ends.
    this.timer.unref();
    this.nudge();
  }

  /** Asks for a drain soon (after a commit). Never throws; failures are logged. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Waits for the drain in progress, if any. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops the interval, waits for the drain in progress, then drains one last time. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.idle();
    await this.drainRound();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const ok = await this.drainRound();
      // After a failure, wait for the interval rather than hammer a bus that just refused.
      if (!ok) return;
    } while (this.again && !this.stopped);
  }

  /** Drains until the outbox is empty or a publish fails. True when nothing failed. */
  private async drainRound(): Promise<boolean> {
    let published = 0;
    try {
      for (;;) {
        const batch = await pendingOutbox(this.opts.store, this.batchSize);
        if (batch.length === 0) break;
        const { ids, error } = await this.publishInOrder(batch);
        if (ids.length > 0) await markPublished(this.opts.store, ids);
        published += ids.length;
        if (error) throw error;
        if (batch.length < this.batchSize) break;
      }
      if (this.failures > 0)
        this.opts.logger.info({ failed_rounds: this.failures }, 'outbox relay recovered');
      this.failures = 0;
      if (published > 0) this.opts.logger.debug({ published }, 'outbox drained');
      return true;
    } catch (err) {
      this.failures += 1;
      const level = this.failures === 1 ? 'warn' : 'debug';
      this.opts.logger[level](
        { err, published, failed_rounds: this.failures },
        `outbox publish failed, will retry: ${describeError(err)}`,
      );
      return false;
    }
  }

  private async publishInOrder(
    batch: Awaited<ReturnType<typeof pendingOutbox>>,
  ): Promise<{ ids: string[]; error?: unknown }> {
    const ids: string[] = [];
    for (const entry of batch) {
      try {
        await this.opts.bus.publishEnvelope(entry.envelope);
      } catch (error) {
        return { ids, error };
      }
      ids.push(entry._id);
    }
    return { ids };
  }
}
