/**
 * @autopilot/cli: the `autopilot` command (`up`, `service <name>`). The bin runs `dist/main.js`;
 * this entry exposes the program for tests and embedding.
 *
 *   const code = await runCli(['node', 'autopilot', '--help']); // 0
 */
export * from './run-cli';
export * from './program';
export * from './exit-codes';
// `autopilot plan`'s pipeline, for the ingest benchmark: the same functions the command runs.
export { PlanTopology, type PlannedBlueprint, type PlanReport } from './plan/plan-pipeline';
export { planOutput, type PlanOutput } from './plan/plan-output';
