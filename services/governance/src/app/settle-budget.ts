import { Inject, Injectable } from '@nestjs/common';
import {
  BudgetExceededV1,
  BudgetUpdatedV1,
  type GovernanceSettleBudgetV1,
  type GovernanceSettleBudgetV1Reply,
} from '@autopilot/contracts';
import { Clock } from '@autopilot/kernel';
import { OutboxEnvelopes } from '@autopilot/runtime';
import {
  BudgetInvalidPriceError,
  BudgetLedgerStateError,
  BudgetReservationConflictError,
  BudgetUnknownModelError,
  BudgetUnknownReservationError,
} from '../domain/budget/budget-errors';
import { settle } from '../domain/budget/budget-ledger';
import { usageCostMicros } from '../domain/budget/call-cost';
import { MAX_CALL_MICROS, microsToUsd, usdToMicros, type Micros } from '../domain/budget/micro-usd';
import { priceFor } from '../domain/budget/price-table';
import type { GovernanceSettings } from '../governance-settings';
import { budgetExceededOf, budgetUpdatedOf, periodStartOf, remainingOf, reopensAtOf } from './budget-events';
import { BudgetConfig, BudgetLedgerRepository, type StoredReservation } from './ports';

/**
 * `governance.settle_budget`: charges what a call cost and returns the rest of its hold. With the
 * provider's reported usage, a reservation priced from a model charges the larger of that usage at
 * the model's price and `actualUsd`. Settled spend reaching 80 % of a cap raises `budget.updated`
 * with a warning, 100 % `budget.exceeded` (each once per window). A repeat settle changes nothing and
 * answers the first one's figures. Rejects (a RemoteError with the code for the caller) for an
 * unknown reservation, one of another project or run, one already released, or absurd figures.
 */
@Injectable()
export class SettleBudgetUseCase {
  constructor(
    @Inject(BudgetLedgerRepository) private readonly ledger: BudgetLedgerRepository,
    @Inject(BudgetConfig) private readonly config: GovernanceSettings,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes,
  ) {}

  execute(req: GovernanceSettleBudgetV1): Promise<GovernanceSettleBudgetV1Reply> {
    const { projectId, runId, reservationId } = req;
    return this.ledger.update(async (reads) => {
      const at = this.clock.now();
      const stored = await reads.reservation(reservationId);
      if (stored === null) throw new BudgetUnknownReservationError(reservationId);
      const r = stored.reservation;
      if (r.projectId !== projectId || r.runId !== runId) {
        throw new BudgetReservationConflictError(
          reservationId,
          `belongs to project ${JSON.stringify(r.projectId)} run ${JSON.stringify(r.runId)}, not ${JSON.stringify(projectId)} ${JSON.stringify(runId)}`,
        );
      }
      const rows = await reads.windows(r.windows.map((w) => w.key));
      const { decision, state } = settle(
        { windows: rows, reservations: { [reservationId]: r } },
        { reservationId, actualMicros: this.actualOf(req, stored), at },
      );
      const result: GovernanceSettleBudgetV1Reply = {
        settled: true,
        releasedUsd: microsToUsd(decision.releasedMicros),
        overrunUsd: microsToUsd(decision.overrunMicros),
        remaining: remainingOf(decision.windows),
      };
      if (decision.replay) return { result, events: [] };
      const project = await reads.project(projectId);
      if (project === null)
        throw new BudgetLedgerStateError(`project ${projectId} of a granted reservation is gone`);
      const revision = (await reads.ledgerRevision(projectId)) + 1;
      const closed = state.reservations[reservationId];
      if (!closed) throw new BudgetLedgerStateError(`settled reservation ${reservationId} missing`);
      const warning = decision.alerts.find((a) => a.level === 'warning');
      const events = [
        this.envelopes.build(
          BudgetUpdatedV1,
          budgetUpdatedOf({
            project,
            runId,
            windows: decision.windows,
            countedAt: r.reservedAt,
            ...(warning ? { warning } : {}),
            revision,
            at,
          }),
        ),
        ...decision.alerts
          .filter((a) => a.level === 'exceeded')
          .map((a) =>
            this.envelopes.build(
              BudgetExceededV1,
              budgetExceededOf({
                projectId,
                runId,
                window: a,
                requestedMicros: decision.actualMicros,
                periodStart: periodStartOf(a.scope, project, this.config.globalCaps, r.reservedAt),
                reopensAt: reopensAtOf(a.scope, project, this.config.globalCaps, r.reservedAt),
                at,
              }),
            ),
          ),
      ];
      return {
        result,
        windows: Object.fromEntries(r.windows.map((w) => [w.key, state.windows[w.key]!])),
        reservation: { ...stored, reservation: closed },
        ledgerRevision: { projectId, revision },
        events,
      };
    });
  }

  /** `actualUsd`, or the reported usage at the reservation's model price when that is more. */
  private actualOf(req: GovernanceSettleBudgetV1, stored: StoredReservation): Micros {
    const actual = usdToMicros(req.actualUsd, 'actualUsd', MAX_CALL_MICROS);
    if (req.usage === undefined || stored.model === undefined) return actual;
    let price;
    try {
      price = priceFor(this.config.priceTable, stored.model);
    } catch (e) {
      // The table changed since the hold: the caller's figure is all there is; the spend is still recorded.
      if (e instanceof BudgetUnknownModelError || e instanceof BudgetInvalidPriceError) return actual;
      throw e;
    }
    return Math.max(actual, usageCostMicros(price, req.usage));
  }
}
