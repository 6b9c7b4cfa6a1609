import { AsyncResource } from 'node:async_hooks';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Timers, type TimerHandle } from '@autopilot/kernel';
import { ServiceSettings } from '@autopilot/runtime';
import type { GovernanceSettings } from '../governance-settings';
import { GovernanceLog } from './ports';
import { SweepApprovalsUseCase } from './sweep-approvals';

/**
 * Runs the approval sweep every `approvalSweepMs` (the Timers port, so tests move time with a fake
 * clock), one at a time: a sweep still running when the timer fires again is not doubled. A failed
 * sweep is logged; the next one finds the same due approvals.
 */
@Injectable()
export class ApprovalTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  // Created outside any handler: the sweep's envelopes carry no causation of a message.
  private readonly scope = new AsyncResource('ApprovalSweep');

  constructor(
    private readonly sweep: SweepApprovalsUseCase,
    @Inject(Timers) private readonly timers: Timers,
    @Inject(ServiceSettings) private readonly settings: GovernanceSettings,
    @Inject(GovernanceLog) private readonly log: GovernanceLog,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = this.timers.every(this.settings.approvalSweepMs, () => void this.request(), { unref: true });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  /** Starts a sweep unless one is running; resolves when the sweep running now has ended. */
  request(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.scope.runInAsyncScope(() => this.once());
    return this.running;
  }

  private async once(): Promise<void> {
    try {
      const { expired, reminded } = await this.sweep.execute();
      if (expired + reminded > 0) this.log.info('approvals swept', { expired, reminded });
    } catch (err) {
      this.log.warn('approval sweep failed; the next one tries again', { err });
    } finally {
      this.running = undefined;
    }
  }
}
