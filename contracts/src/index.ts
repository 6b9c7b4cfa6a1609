/**
 * @autopilot/contracts: the only place a message shape is written. Each message is one TypeBox
 * definition; its TS type is inferred, its JSON Schema and AsyncAPI channel are generated
 * (`npm run generate`; the generator lives in ./generation and is not exported). No imports from
 * other @autopilot packages except kernel.
 *
 *   import { RunFinishedV1, buildEnvelope, validate } from '@autopilot/contracts';
 *   const issues = validate(RunFinishedV1, payload); // [] when valid
 */
export * from './define-message';
export * from './envelope';
export * from './validate';
export * from './validate-strict';
export * from './build-envelope';
export { contractBuiltFor } from './built-envelopes';
export * from './contract-violation-error';
export * from './registry';
export * from './bus';

// Shared sub-schemas: lifecycles and the shapes several messages carry.
export * from './shared/actor';
export * from './shared/approval';
export * from './shared/blueprint-text';
export * from './shared/budget';
export * from './shared/command-argv';
export * from './shared/failure';
export * from './shared/governed-action';
export * from './shared/intention-anchor';
export * from './shared/lifecycles';
export * from './shared/plan-node';
export * from './shared/primitives';
export * from './shared/project-settings';
export * from './shared/repo';
export * from './shared/risk';
export * from './shared/run-checkpoint';
export * from './shared/string-enum';
export * from './shared/task-spec';
export * from './shared/usage';

// Messages, by service as in DESIGN.md section 2.
export * from './ingestion/ingestion-submit-blueprint.v1';
export * from './ingestion/ingestion-announce-blueprint.v1';
export * from './ingestion/ingestion-scan-repo.v1';
export * from './blueprint/blueprint-ingested.v1';
export * from './blueprint/blueprint-ingested.v2';
export * from './blueprint/blueprint-change';
export * from './repo/repo-scanned.v1';
export * from './ingestion/ingestion-progress.v1';
export * from './plan/plan-generated.v1';
export * from './plan/plan-generated.v2';
export * from './plan/plan-revision-change';
export * from './planner/planner-announce-plan.v1';
export * from './plan/plan-rejected.v1';
export * from './tasks/tasks-generated.v1';
export * from './tasks/tasks-generated.v2';
export * from './gap-report/gap-report-created.v1';
export * from './plan-proposal/plan-proposal-created.v1';
export * from './manager/manager-create-project.v1';
export * from './manager/manager-update-project.v1';
export * from './manager/manager-set-autonomy.v1';
export * from './manager/manager-pause-project.v1';
export * from './manager/manager-resume-project.v1';
export * from './manager/manager-abort-project.v1';
export * from './manager/manager-cancel-run.v1';
export * from './manager/manager-retry-task.v1';
export * from './worker/worker-execute-run.v1';
export { runBranchName } from './worker/run-branch';
export * from './task/task-updated.v1';
export * from './run/run-updated.v1';
export * from './project/project-updated.v1';
export * from './project/project-day-summarized.v1';
export * from './autopilot/autopilot-ticked.v1';
export * from './run/run-started.v1';
export * from './step/step-recorded.v1';
export * from './run/run-finished.v1';
export * from './run/run-suspended.v1';
export * from './governance/governance-decide-approval.v1';
export * from './governance/governance-withdraw-approval.v1';
export * from './governance/governance-evaluate.v1';
export * from './governance/governance-request-approval.v1';
export * from './governance/governance-reserve-budget.v1';
export * from './governance/governance-settle-budget.v1';
export * from './approval/approval-requested.v1';
export * from './approval/approval-decided.v1';
export * from './approval/approval-reminder.v1';
export * from './budget/budget-exceeded.v1';
export * from './budget/budget-updated.v1';

// The worker's tool contract: what its model may call, versioned (a change adds a version).
export * from './worker-tools/define-tool';
export * from './worker-tools/worker-tools.v1';
export * from './worker-tools/chat-completion-tools';
export * from './worker-tools/tool-arguments';
