/**
 * The worker's tools (contract: worker-tools v1 in @autopilot/contracts) executed against one run's
 * worktree: path safety, the parse guard, two-phase writes with undo, run_command through the
 * CommandRunner port. Filesystem and git only: no NATS, no HTTP, no governance (the run loop asks).
 *
 *   const tools = await WorktreeTools.open({ root: worktreeDir, commandRunner });
 *   const call = await tools.dispatch(toolCall.name, toolCall.arguments); // never rejects
 *   const outcome = call.kind === 'refused' ? { result: call.result } : await call.execute();
 */
export {
  WorktreeTools,
  type WorktreeToolsOptions,
  type ToolCall,
  type PreparedWrite,
  type FinishClaim,
  type ReadToolName,
  type WriteToolName,
} from './worktree-tools';
export {
  renderToolResult,
  ToolRefusedError,
  type ToolResult,
  type ToolOutcome,
  type WriteUndo,
  type FileUndo,
} from './tool-result';
export { DEFAULT_TOOL_LIMITS, type ToolLimits } from './tool-limits';
export type { FileChange } from './file-changes';
export {
  ParseGuard,
  languageOf,
  type ParseGuardOptions,
  type ParseVerdict,
  type ParsedLanguage,
} from './parse-guard';
export {
  WorktreePathRefusedError,
  realWorktreeRoot,
  resolveWorktreePath,
  type WorktreePath,
} from './worktree-paths';
