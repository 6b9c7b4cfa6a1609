import {
  WORKER_TOOLS_V1,
  readToolCall,
  type ApplyPatchArgsV1,
  type CreateFileArgsV1,
  type FinishArgsV1,
  type InsertArgsV1,
  type ListFilesArgsV1,
  type RunCommandArgsV1,
  type SearchArgsV1,
  type StrReplaceArgsV1,
  type ToolDef,
  type ViewFileArgsV1,
  type WorkerToolNameV1,
} from '@autopilot/contracts';
import { describeError } from '@autopilot/kernel';
import type { CommandResult, CommandRunner } from '../sandbox/command-runner';
import { createFileChange, insertChange, strReplaceChange } from './edit-tools';
import { restoreFiles, unifiedDiff, writeChanges, type FileChange } from './file-changes';
import { ParseGuard, type ParseGuardOptions } from './parse-guard';
import { patchChanges } from './patch-tool';
import { listFiles, search, viewFile } from './read-tools';
import { DEFAULT_TOOL_LIMITS, type ToolLimits } from './tool-limits';
import {
  ToolRefusedError,
  toolFailure,
  toolSuccess,
  type ToolOutcome,
  type ToolResult,
  type WriteUndo,
} from './tool-result';
import { WorktreePathRefusedError, realWorktreeRoot } from './worktree-paths';

export type ReadToolName = 'view_file' | 'list_files' | 'search';
export type WriteToolName = 'create_file' | 'str_replace' | 'insert' | 'apply_patch';

/** A write computed but not yet made: what governance is asked about before `execute()` writes it. */
export interface PreparedWrite {
  /** Every path the write creates, changes or deletes, relative to the worktree root. */
  readonly paths: readonly string[];
  /** The change as a unified diff (git style). */
  readonly diff: string;
  /** Before and after contents per file. */
  readonly changes: readonly FileChange[];
  /** E.g. a syntax check that could not run; they also reach the model with the result. */
  readonly notes: readonly string[];
}

/** The model's claim that it is done (`finish`); the quality gate, not the claim, decides. */
export interface FinishClaim {
  readonly summary: string;
  /** 0..1, validated. */
  readonly confidence: number;
}

/**
 * One tool call, read and prepared, not yet executed. `refused` already holds the answer for the
 * model (unknown tool, malformed JSON, bad arguments, a refused path, an edit that cannot apply or
 * would break the syntax): nothing to ask, nothing to run. For the others the run loop asks
 * governance as it needs to (writes, commands), then calls `execute()`, which never rejects.
 */
export type ToolCall =
  | { readonly kind: 'refused'; readonly name: string; readonly result: ToolResult }
  | {
      readonly kind: 'read';
      readonly name: ReadToolName;
      readonly arguments: Record<string, unknown>;
      execute(): Promise<ToolOutcome>;
    }
  | {
      readonly kind: 'write';
      readonly name: WriteToolName;
      readonly arguments: Record<string, unknown>;
      readonly write: PreparedWrite;
      /** Writes the prepared change; its outcome carries the `undo`. */
      execute(): Promise<ToolOutcome>;
    }
  | {
      readonly kind: 'command';
      readonly name: 'run_command';
      readonly arguments: Record<string, unknown>;
      readonly argv: readonly string[];
      /** The timeout the command will get, after the limits are applied. */
      readonly timeoutMs: number;
      execute(): Promise<ToolOutcome>;
    }
  | {
      readonly kind: 'finish';
      readonly name: 'finish';
      readonly arguments: Record<string, unknown>;
      readonly claim: FinishClaim;
      execute(): Promise<ToolOutcome>;
    };

export interface WorktreeToolsOptions {
  /** Absolute path of the run's worktree; every tool path is relative to it. */
  readonly root: string;
  /** Where run_command goes (the sandbox). */
  readonly commandRunner: CommandRunner;
  readonly limits?: Partial<ToolLimits>;
  readonly parseGuard?: ParseGuardOptions;
  /** The tool set the model is shown; default v1. */
  readonly tools?: readonly ToolDef[];
}

/** Anything thrown inside a tool, as the answer the model gets. */
function asResult(err: unknown): ToolResult {
  if (err instanceof ToolRefusedError || err instanceof WorktreePathRefusedError)
    return toolFailure(err.message);
  return toolFailure(`the tool failed: ${describeError(err)}`);
}

async function settle(work: () => Promise<ToolOutcome>): Promise<ToolOutcome> {
  try {
    return await work();
  } catch (err) {
    return { result: asResult(err) };
  }
}

function describeCommand(argv: readonly string[], timeoutS: number, r: CommandResult): ToolResult {
  const status = r.timedOut
    ? `timed out after ${timeoutS} s and was killed`
    : r.exitCode === null
      ? `killed by ${r.signal ?? 'a signal'}`
      : `exit code ${r.exitCode}`;
  const sections = [
    `$ ${argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}`,
    status,
  ];
  if (r.stdout) sections.push(`stdout:\n${r.stdout}`);
  if (r.stderr) sections.push(`stderr:\n${r.stderr}`);
  const notes = r.truncated ? ['the output was cut at the output limit'] : [];
  const text = sections.join('\n');
  return r.exitCode === 0 && !r.timedOut ? toolSuccess(text, notes) : toolFailure(text, notes);
}

/**
 * The worker's tools against one worktree: `dispatch` reads a model's tool call and prepares it,
 * `execute()` on the result runs it, `undo` reverts an applied write. No NATS, no HTTP: the run
 * loop decides what to ask governance and what to record.
 *
 *   const tools = await WorktreeTools.open({ root: worktree, commandRunner });
 *   const call = await tools.dispatch('str_replace', '{"path":"a.ts","old_str":"x","new_str":"y"}');
 *   if (call.kind === 'write') { ...governance.evaluate(call.write.paths, call.write.diff)...; await call.execute(); }
 */
export class WorktreeTools {
  private constructor(
    /** The worktree root with symlinks resolved. */
    readonly root: string,
    private readonly runner: CommandRunner,
    readonly limits: ToolLimits,
    private readonly guard: ParseGuard,
    readonly tools: readonly ToolDef[],
  ) {}

  /** Rejects only when `root` is not an absolute path to an existing directory. */
  static async open(options: WorktreeToolsOptions): Promise<WorktreeTools> {
    return new WorktreeTools(
      await realWorktreeRoot(options.root),
      options.commandRunner,
      { ...DEFAULT_TOOL_LIMITS, ...options.limits },
      new ParseGuard(options.parseGuard),
      options.tools ?? WORKER_TOOLS_V1,
    );
  }

  /**
   * Reads a tool call as the model sent it (name, arguments as JSON text) and prepares it. Never
   * rejects: every problem is a `refused` call holding the answer for the model.
   */
  async dispatch(name: string, rawArguments: string): Promise<ToolCall> {
    const read = readToolCall(this.tools, name, rawArguments);
    if (!read.ok) return { kind: 'refused', name, result: toolFailure(read.error) };
    const args = read.arguments;
    try {
      return await this.prepare(name as WorkerToolNameV1, args);
    } catch (err) {
      return { kind: 'refused', name, result: asResult(err) };
    }
  }

  /** `dispatch` then `execute`, with no one asked in between: tests and deterministic steps. */
  async run(name: string, rawArguments: string): Promise<ToolOutcome> {
    const call = await this.dispatch(name, rawArguments);
    return call.kind === 'refused' ? { result: call.result } : call.execute();
  }

  /** Reverts an applied write (rollback), restoring each file's previous contents or absence. */
  async undo(undo: WriteUndo): Promise<ToolResult> {
    try {
      await restoreFiles(this.root, undo.files);
      return toolSuccess(`undid ${undo.tool} on ${undo.files.map((f) => f.path).join(', ')}`);
    } catch (err) {
      return asResult(err);
    }
  }

  private async prepare(name: WorkerToolNameV1, args: Record<string, unknown>): Promise<ToolCall> {
    const { root, limits } = this;
    switch (name) {
      case 'view_file':
        return this.read(name, args, () => viewFile(root, args as unknown as ViewFileArgsV1, limits));
      case 'list_files':
        return this.read(name, args, () => listFiles(root, args as unknown as ListFilesArgsV1, limits));
      case 'search':
        return this.read(name, args, () => search(root, args as unknown as SearchArgsV1, limits));
      case 'create_file':
        return this.write(name, args, [await createFileChange(root, args as unknown as CreateFileArgsV1)]);
      case 'str_replace':
        return this.write(name, args, [
          await strReplaceChange(root, args as unknown as StrReplaceArgsV1, limits.editMaxFileBytes),
        ]);
      case 'insert':
        return this.write(name, args, [
          await insertChange(root, args as unknown as InsertArgsV1, limits.editMaxFileBytes),
        ]);
      case 'apply_patch':
        return this.write(name, args, await patchChanges(root, args as unknown as ApplyPatchArgsV1, limits));
      case 'run_command':
        return this.command(args as unknown as RunCommandArgsV1, args);
      case 'finish': {
        const { summary, confidence } = args as unknown as FinishArgsV1;
        return {
          kind: 'finish',
          name,
          arguments: args,
          claim: { summary, confidence },
          execute: async () => ({
            result: toolSuccess(
              'finish recorded: the quality gate (build, tests, scope) now checks the work',
            ),
          }),
        };
      }
      default: {
        const never: never = name;
        throw new ToolRefusedError(`tool ${String(never)} has no implementation in this worker`);
      }
    }
  }

  private read(name: ReadToolName, args: Record<string, unknown>, run: () => Promise<ToolResult>): ToolCall {
    return {
      kind: 'read',
      name,
      arguments: args,
      execute: () => settle(async () => ({ result: await run() })),
    };
  }

  private async write(
    name: WriteToolName,
    args: Record<string, unknown>,
    changes: readonly FileChange[],
  ): Promise<ToolCall> {
    if (changes.length === 0) throw new ToolRefusedError('the edit changes nothing; nothing was written');
    const notes: string[] = [];
    for (const change of changes) {
      if (change.after === null) continue;
      const verdict = await this.guard.check(change.path, change.before, change.after);
      if (!verdict.allowed) throw new ToolRefusedError(verdict.reason);
      if (verdict.note) notes.push(verdict.note);
    }
    const write: PreparedWrite = {
      paths: changes.map((c) => c.path),
      diff: unifiedDiff(changes),
      changes,
      notes,
    };
    const root = this.root;
    return {
      kind: 'write',
      name,
      arguments: args,
      write,
      execute: () =>
        settle(async () => {
          const files = await writeChanges(root, changes);
          const summary = changes
            .map(
              (c) => `${c.before === null ? 'created' : c.after === null ? 'deleted' : 'edited'} ${c.path}`,
            )
            .join(', ');
          return { result: toolSuccess(summary, notes), undo: { tool: name, files } };
        }),
    };
  }

  private command(args: RunCommandArgsV1, raw: Record<string, unknown>): ToolCall {
    const timeoutS = Math.min(
      args.timeout_s ?? this.limits.commandDefaultTimeoutS,
      this.limits.commandMaxTimeoutS,
    );
    const timeoutMs = timeoutS * 1000;
    const { root, runner, limits } = this;
    return {
      kind: 'command',
      name: 'run_command',
      arguments: raw,
      argv: args.argv,
      timeoutMs,
      execute: () =>
        settle(async () => {
          const command = await runner.run({
            argv: args.argv,
            cwd: root,
            worktree: root,
            timeoutMs,
            network: false,
            outputCapBytes: limits.commandOutputCapBytes,
          });
          return { result: describeCommand(args.argv, timeoutS, command), command };
        }),
    };
  }
}
