import type { MessageDef } from './define-message';
import { ApprovalDecidedV1 } from './approval/approval-decided.v1';
import { ApprovalReminderV1 } from './approval/approval-reminder.v1';
import { ApprovalRequestedV1 } from './approval/approval-requested.v1';
import { AutopilotTickedV1 } from './autopilot/autopilot-ticked.v1';
import { BlueprintIngestedV1 } from './blueprint/blueprint-ingested.v1';
import { BlueprintIngestedV2 } from './blueprint/blueprint-ingested.v2';
import { BudgetExceededV1 } from './budget/budget-exceeded.v1';
import { BudgetUpdatedV1 } from './budget/budget-updated.v1';
import { GapReportCreatedV1 } from './gap-report/gap-report-created.v1';
import { GovernanceDecideApprovalV1 } from './governance/governance-decide-approval.v1';
import { GovernanceWithdrawApprovalV1 } from './governance/governance-withdraw-approval.v1';
import { GovernanceEvaluateV1 } from './governance/governance-evaluate.v1';
import { GovernanceRequestApprovalV1 } from './governance/governance-request-approval.v1';
import { GovernanceReserveBudgetV1 } from './governance/governance-reserve-budget.v1';
import { GovernanceSettleBudgetV1 } from './governance/governance-settle-budget.v1';
import { IngestionAnnounceBlueprintV1 } from './ingestion/ingestion-announce-blueprint.v1';
import { IngestionProgressV1 } from './ingestion/ingestion-progress.v1';
import { IngestionScanRepoV1 } from './ingestion/ingestion-scan-repo.v1';
import { IngestionSubmitBlueprintV1 } from './ingestion/ingestion-submit-blueprint.v1';
import { ManagerAbortProjectV1 } from './manager/manager-abort-project.v1';
import { ManagerCancelRunV1 } from './manager/manager-cancel-run.v1';
import { ManagerCreateProjectV1 } from './manager/manager-create-project.v1';
import { ManagerUpdateProjectV1 } from './manager/manager-update-project.v1';
import { ManagerPauseProjectV1 } from './manager/manager-pause-project.v1';
import { ManagerResumeProjectV1 } from './manager/manager-resume-project.v1';
import { ManagerRetryTaskV1 } from './manager/manager-retry-task.v1';
import { ManagerSetAutonomyV1 } from './manager/manager-set-autonomy.v1';
import { PlanProposalCreatedV1 } from './plan-proposal/plan-proposal-created.v1';
import { PlanGeneratedV1 } from './plan/plan-generated.v1';
import { PlanGeneratedV2 } from './plan/plan-generated.v2';
import { PlannerAnnouncePlanV1 } from './planner/planner-announce-plan.v1';
import { PlanRejectedV1 } from './plan/plan-rejected.v1';
import { ProjectDaySummarizedV1 } from './project/project-day-summarized.v1';
import { ProjectUpdatedV1 } from './project/project-updated.v1';
import { RepoScannedV1 } from './repo/repo-scanned.v1';
import { RunFinishedV1 } from './run/run-finished.v1';
import { RunStartedV1 } from './run/run-started.v1';
import { RunSuspendedV1 } from './run/run-suspended.v1';
import { RunUpdatedV1 } from './run/run-updated.v1';
import { StepRecordedV1 } from './step/step-recorded.v1';
import { TaskUpdatedV1 } from './task/task-updated.v1';
import { TasksGeneratedV1 } from './tasks/tasks-generated.v1';
import { TasksGeneratedV2 } from './tasks/tasks-generated.v2';
import { WorkerExecuteRunV1 } from './worker/worker-execute-run.v1';

/**
 * Every message definition, grouped by the service that produces it (DESIGN.md section 2).
 * `generate.ts` walks this list; a message missing here has no schema file and no AsyncAPI channel.
 */
export const messages = [
  // ingestion (and the gateway's commands to it)
  IngestionSubmitBlueprintV1,
  IngestionScanRepoV1,
  BlueprintIngestedV1,
  BlueprintIngestedV2,
  IngestionAnnounceBlueprintV1,
  RepoScannedV1,
  IngestionProgressV1,
  // planner
  PlanGeneratedV1,
  PlanGeneratedV2,
  PlanRejectedV1,
  TasksGeneratedV1,
  TasksGeneratedV2,
  PlannerAnnouncePlanV1,
  GapReportCreatedV1,
  PlanProposalCreatedV1,
  // manager (and the gateway's commands to it)
  ManagerCreateProjectV1,
  ManagerUpdateProjectV1,
  ManagerSetAutonomyV1,
  ManagerPauseProjectV1,
  ManagerResumeProjectV1,
  ManagerAbortProjectV1,
  ManagerCancelRunV1,
  ManagerRetryTaskV1,
  WorkerExecuteRunV1,
  TaskUpdatedV1,
  RunUpdatedV1,
  ProjectUpdatedV1,
  ProjectDaySummarizedV1,
  AutopilotTickedV1,
  // worker
  RunStartedV1,
  StepRecordedV1,
  RunFinishedV1,
  RunSuspendedV1,
  // governance (and the calls and commands it answers)
  GovernanceDecideApprovalV1,
  GovernanceEvaluateV1,
  GovernanceRequestApprovalV1,
  GovernanceReserveBudgetV1,
  GovernanceSettleBudgetV1,
  GovernanceWithdrawApprovalV1,
  ApprovalRequestedV1,
  ApprovalDecidedV1,
  ApprovalReminderV1,
  BudgetExceededV1,
  BudgetUpdatedV1,
] as const satisfies readonly MessageDef[];

export type RegisteredMessage = (typeof messages)[number];

const bySubject = new Map<string, RegisteredMessage>(messages.map((m) => [m.subject, m]));
const byType = new Map<string, RegisteredMessage>(messages.map((m) => [m.type, m]));

/** The definition travelling on `subject` (`ap.v1.evt.run.finished`), or undefined. */
export function messageBySubject(subject: string): RegisteredMessage | undefined {
  return bySubject.get(subject);
}

/** The definition of envelope type `type` (`run.finished.v1`), or undefined. */
export function messageByType(type: string): RegisteredMessage | undefined {
  return byType.get(type);
}
