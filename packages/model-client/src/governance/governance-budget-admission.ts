import { GovernanceReserveBudgetV1, GovernanceSettleBudgetV1 } from '@autopilot/contracts';
import type { MessageBus } from '@autopilot/bus';
import type {
  BudgetAdmission,
  BudgetReservation,
  BudgetReservationRef,
  BudgetReservationRequest,
} from '../budget-admission';
import type { TokenUsage } from '../pricing';

export interface GovernanceBudgetAdmissionOptions {
  /** How long a reserve or settle request waits for governance. Default the bus's (5 s). */
  readonly timeoutMs?: number;
  /**
   * The budget "run" of a call made outside a run (the planner's refinement): governance books every
   * reservation under a run. Default `no-run`.
   */
  readonly runIdOutsideRuns?: string;
}

/**
 * BudgetAdmission answered by governance (request/reply on the bus). The reservation id is the
 * client's, so a repeated request holds once. Governance prices the call itself from the model and
 * token counts (the larger of that and the estimate), and prices the settlement from the reported
 * usage. A release is a settlement of nothing: zero dollars, zero tokens.
 */
export class GovernanceBudgetAdmission implements BudgetAdmission {
  constructor(
    private readonly bus: MessageBus,
    private readonly options: GovernanceBudgetAdmissionOptions = {},
  ) {}

  async reserve(request: BudgetReservationRequest): Promise<BudgetReservation> {
    const reply = await this.bus.request(
      GovernanceReserveBudgetV1,
      {
        projectId: request.projectId,
        runId: this.runOf(request.runId),
        estimateUsd: request.estimateUsd,
        purpose: request.purpose.slice(0, 200),
        reservationId: request.reservationId,
        model: request.model,
        inputTokens: request.inputTokens,
        cachedInputTokens: 0,
        maxTokens: request.maxTokens,
      },
      this.requestOptions(request.projectId, request.runId),
    );
    if (reply.granted) return { granted: true, reservationId: reply.reservationId ?? request.reservationId };
    return {
      granted: false,
      reason: reply.reason ?? 'refused by governance',
      ...(reply.exceededScope !== undefined ? { scope: reply.exceededScope } : {}),
    };
  }

  async settle(
    reservation: BudgetReservationRef & { readonly actualUsd: number; readonly usage: TokenUsage },
  ): Promise<void> {
    await this.bus.request(
      GovernanceSettleBudgetV1,
      {
        projectId: reservation.projectId,
        runId: this.runOf(reservation.runId),
        reservationId: reservation.reservationId,
        actualUsd: reservation.actualUsd,
        usage: reservation.usage,
      },
      this.requestOptions(reservation.projectId, reservation.runId),
    );
  }

  async release(reservation: BudgetReservationRef): Promise<void> {
    await this.settle({
      ...reservation,
      actualUsd: 0,
      usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 },
    });
  }

  private runOf(runId: string | undefined): string {
    return runId ?? this.options.runIdOutsideRuns ?? 'no-run';
  }

  private requestOptions(projectId: string, runId: string | undefined) {
    return {
      projectId,
      ...(runId !== undefined ? { correlationId: runId } : {}),
      ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
    };
  }
}
