/**
 * The command runner port and its bubblewrap adapter. The port (`CommandRunner`) is what `app/`
 * and the tools depend on; the adapter is built by composition roots
 * (`@autopilot/worker/sandbox`).
 *
 *   const runner = new SandboxedCommandRunner();
 *   const { isolation, note } = await runner.probe(); // carry into the run's record
 *   const r = await runner.run({ argv: ['npm', 'test'], cwd: ws.path, worktree: ws.path, timeoutMs: 600_000, network: false });
 */
export type { CommandRunner, CommandRequest, CommandResult, CommandIsolation } from './command-runner';
export {
  SandboxedCommandRunner,
  type SandboxedCommandRunnerOptions,
  type SandboxCapability,
} from './sandboxed-command-runner';
export { CommandRequestRefusedError } from './sandbox-errors';
