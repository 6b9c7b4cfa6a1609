import { AsyncResource } from 'node:async_hooks';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { nextTurn, Timers, type TimerHandle } from '@autopilot/kernel';
import { ServiceSettings } from '@autopilot/runtime';
import type { ManagerSettings } from '../manager-settings';
import { DailySummaryUseCase } from './daily-summary.use-case';
import { ManagerLog, type TickRequests } from './ports';
import { RunTickUseCase } from './run-tick.use-case';

/**
 * Runs the tick one at a time: every `tickMs` (the Timers port, so tests move time with a fake
 * clock) and whenever something that may free or add work happened (`request()`, after a command
 * or a task graph committed). Requests during a tick fold into one more tick after it. A tick that
 * fails is logged and the next one tries again: the tick reconciles from the store, so nothing
 * depends on one tick succeeding.
 */
@Injectable()
export class TickLoop implements TickRequests, OnApplicationBootstrap, OnApplicationShutdown {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  // Created outside any handler: a tick is no handling of the message that asked for it, so its
  // envelopes carry no causation or project of that message.
  private readonly scope = new AsyncResource('ManagerTick');

  constructor(
    private readonly tick: RunTickUseCase,
    private readonly summaries: DailySummaryUseCase,
    @Inject(Timers) private readonly timers: Timers,
    @Inject(ServiceSettings) private readonly settings: ManagerSettings,
    @Inject(ManagerLog) private readonly log: ManagerLog,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = this.timers.every(this.settings.tickMs, () => this.request(), { unref: true });
    this.request();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.idle();
  }

  /** Asks for a tick soon (never on the caller's stack); one more after the current one if it is running. */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.scope.runInAsyncScope(() => this.drain());
  }

  /** Resolves once no tick is running or asked for. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    await Promise.resolve();
    try {
      do {
        // Reports finishing runs ask for ticks one by one: a turn of the event loop (no timer) lets
        // those arriving together fold into one tick that dispatches for all of them.
        await nextTurn();
        this.again = false;
        try {
          await this.tick.execute();
          // A project whose local day ended gets its daily summary (no reads until a day ends).
          await this.summaries.rollover();
        } catch (err) {
          this.log.warn('tick failed; the next one tries again', { err });
        }
      } while (this.again && !this.stopped);
    } finally {
      this.running = undefined;
    }
  }
}
