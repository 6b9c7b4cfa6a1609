import { Inject, Injectable } from '@nestjs/common';
import {
  BudgetExceededV1,
  BudgetUpdatedV1,
  type GovernanceReserveBudgetV1,
  type GovernanceReserveBudgetV1Reply,
} from '@autopilot/contracts';
import { AutopilotError, Clock } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import { BudgetLedgerStateError } from '../domain/budget/budget-errors';
import { reserve } from '../domain/budget/budget-ledger';
import { budgetWindowsAt, projectCapsFromUsd, type BudgetWindow } from '../domain/budget/budget-windows';
import { worstCaseCostMicros } from '../domain/budget/call-cost';
import {
  MAX_CALL_MICROS,
  MAX_CAP_MICROS,
  microsToUsd,
  usdToMicros,
  type Micros,
} from '../domain/budget/micro-usd';
import { priceFor } from '../domain/budget/price-table';
import type { GovernanceSettings } from '../governance-settings';
import { budgetExceededOf, budgetUpdatedOf, periodStartOf, remainingOf, reopensAtOf } from './budget-events';
import { ApprovalRepository, BudgetConfig, BudgetLedgerRepository, type LedgerChange } from './ports';

const NOTHING_LEFT = { run: 0, daily: 0, weekly: 0 };

/** A refusal before the ledger is asked: bad input, an unpriced model, an unknown project. */
class Refusal extends Error {}

/**
 * `governance.reserve_budget`: admission before a model call. The hold is the caller's estimate, or
 * with a model the worst case at its price-table price (whichever is larger); it is refused when it
 * would pass the run, daily, weekly or a global cap (`budget.exceeded`), when the model or the
 * project is unknown, or on absurd figures. Idempotent by reservation id: a repeat answers the first
 * grant and changes nothing.
 */
@Injectable()
export class ReserveBudgetUseCase {
  constructor(
    @Inject(BudgetLedgerRepository) private readonly ledger: BudgetLedgerRepository,
    @Inject(BudgetConfig) private readonly config: GovernanceSettings,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
    @Inject(ApprovalRepository) private readonly approvals: ApprovalRepository,
  ) {}

  /** `meta.requestId`: the request envelope id, the reservation id when the caller chose none. */
  async execute(
    req: GovernanceReserveBudgetV1,
    meta: { readonly requestId: string },
  ): Promise<GovernanceReserveBudgetV1Reply> {
    const reservationId = req.reservationId ?? meta.requestId;
    try {
      const amount = this.amountOf(req);
      const runExtra = await this.runExtraOf(req);
      return await this.ledger.update((reads) => this.decide(reads, req, reservationId, amount, runExtra));
    } catch (e) {
      if (e instanceof Refusal) return { granted: false, reason: e.message, remaining: NOTHING_LEFT };
      // Bad input the domain refused (amounts, prices, time zones, a reused id): a refusal, never a write.
      if (
        e instanceof AutopilotError &&
        !(e instanceof BudgetLedgerStateError) &&
        e.code.startsWith('GOVERNANCE_BUDGET_')
      ) {
        return { granted: false, reason: e.message, remaining: NOTHING_LEFT };
      }
      throw e;
    }
  }

  private amountOf(req: GovernanceReserveBudgetV1): Micros {
    const estimate = usdToMicros(req.estimateUsd, 'estimateUsd', MAX_CALL_MICROS);
    if (req.model === undefined) return estimate;
    if (req.inputTokens === undefined || req.maxTokens === undefined) {
      throw new Refusal(
        `model ${JSON.stringify(req.model)}: inputTokens and maxTokens are required to price the call`,
      );
    }
    const worst = worstCaseCostMicros(priceFor(this.config.priceTable, req.model), {
      inputTokens: req.inputTokens,
      cachedInputTokens: req.cachedInputTokens ?? 0,
      maxOutputTokens: req.maxTokens,
    });
    return Math.max(estimate, worst);
  }

  /** The run's approved "continue with $X more" extensions, in micro-USD. */
  private async runExtraOf(req: GovernanceReserveBudgetV1): Promise<Micros> {
    const extensions = await this.approvals.approvedBudgetExtensions(req.projectId, req.runId);
    return extensions.reduce(
      (sum, a) =>
        sum + usdToMicros(a.action.budget?.extraUsd ?? 0, `approval ${a.id} budget.extraUsd`, MAX_CAP_MICROS),
      0,
    );
  }

  private async decide(
    reads: Parameters<Parameters<BudgetLedgerRepository['update']>[0]>[0],
    req: GovernanceReserveBudgetV1,
    reservationId: string,
    amount: Micros,
    runExtraMicros: Micros,
  ): Promise<LedgerChange<GovernanceReserveBudgetV1Reply>> {
    const { projectId, runId } = req;
    const at = this.clock.now();
    const project = await reads.project(projectId);
    if (project === null) {
      throw new Refusal(
        `project ${JSON.stringify(projectId)} is unknown to governance (no project.updated received): no budget, no reservation`,
      );
    }
    const existing = await reads.reservation(reservationId);
    // A repeat is checked against the windows it was granted in, whatever the day is now.
    const windows: readonly BudgetWindow[] = existing
      ? existing.reservation.windows
      : budgetWindowsAt({
          project: { projectId, timeZone: project.timeZone, caps: projectCapsFromUsd(project.caps) },
          runId,
          at,
          runExtraMicros,
          ...(this.config.globalCaps ? { global: this.config.globalCaps } : {}),
        });
    const rows = await reads.windows(windows.map((w) => w.key));
    const { decision, state } = reserve(
      { windows: rows, reservations: existing ? { [reservationId]: existing.reservation } : {} },
      { reservationId, projectId, runId, amountMicros: amount, windows, at },
    );
    if (decision.type === 'refused') {
      const [first] = decision.shortfalls;
      const reopensAt = reopensAtOf(first.scope, project, this.config.globalCaps, at);
      const exceeded = budgetExceededOf({
        projectId,
        runId,
        window: first,
        requestedMicros: amount,
        periodStart: periodStartOf(first.scope, project, this.config.globalCaps, at),
        reopensAt,
        at,
      });
      return {
        result: {
          granted: false,
          reason: `the ${first.scope} cap of ${microsToUsd(first.capMicros)} USD would be passed: ${microsToUsd(first.heldMicros + first.spentMicros)} USD used, ${microsToUsd(amount)} USD requested`,
          exceededScope: first.scope,
          ...(reopensAt !== undefined ? { reopensAt } : {}),
          remaining: remainingOf(decision.windows),
        },
        events: [this.envelopes.build(BudgetExceededV1, exceeded)],
      };
    }
    const result = { granted: true, reservationId, remaining: remainingOf(decision.windows) };
    if (decision.replay) return { result, events: [] };
    const revision = (await reads.ledgerRevision(projectId)) + 1;
    const reservation = state.reservations[reservationId];
    if (!reservation) throw new BudgetLedgerStateError(`granted reservation ${reservationId} missing`);
    const updated = budgetUpdatedOf({
      project,
      runId,
      windows: decision.windows,
      countedAt: at,
      revision,
      at,
    });
    return {
      result,
      windows: Object.fromEntries(windows.map((w) => [w.key, state.windows[w.key]!])),
      reservation: { reservation, ...(req.model !== undefined ? { model: req.model } : {}) },
      ledgerRevision: { projectId, revision },
      events: [this.envelopes.build(BudgetUpdatedV1, updated)],
    };
  }
}
