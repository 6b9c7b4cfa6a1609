import { createHash } from 'node:crypto';
import { toChatCompletionTools, WORKER_TOOLS_V1 } from '@autopilot/contracts';
import type {
  ModelTool,
  PreparedToolCall,
  PreparedWrite,
  ToolCall,
  ToolResult,
  WorkerTools,
  WriteUndo,
} from '../app/ports';
import type { CommandRunner } from '../sandbox/command-runner';
import {
  renderToolResult,
  WorktreeTools,
  type ToolCall as PreparedTool,
  type ToolResult as WorktreeToolResult,
  type ToolLimits,
} from '../tools';

/** A tool's answer as the run loop carries it: ok and the text the model reads. */
const asResult = (result: WorktreeToolResult): ToolResult => ({
  ok: result.ok,
  message: renderToolResult(result),
});

/**
 * WorkerTools over the worktree tools (../tools): the run loop's port, one WorktreeTools per
 * worktree. A prepared write keeps the tools' own prepared call beside it (by identity), so
 * `apply` writes exactly what governance judged; a write the loop did not prepare here (rebuilt
 * from a journal, say) is refused and prepared again by the loop.
 */
export class WorktreeToolsAdapter implements WorkerTools {
  private readonly opened = new Map<string, Promise<WorktreeTools>>();
  private readonly prepared = new WeakMap<PreparedWrite, Extract<PreparedTool, { kind: 'write' }>>();
  private readonly modelTools: readonly ModelTool[];

  constructor(
    private readonly runner: CommandRunner,
    private readonly limits: Partial<ToolLimits> = {},
  ) {
    this.modelTools = toChatCompletionTools(WORKER_TOOLS_V1).map((t) => ({
      name: t.function.name,
      description: t.function.description ?? '',
      parameters: (t.function.parameters ?? {}) as Record<string, unknown>,
    }));
  }

  definitions(): readonly ModelTool[] {
    return this.modelTools;
  }

  async prepare(root: string, call: ToolCall): Promise<PreparedToolCall> {
    const tools = await this.toolsAt(root);
    const prepared = await tools.dispatch(call.name, call.arguments);
    switch (prepared.kind) {
      case 'refused':
        return { kind: 'answer', result: asResult(prepared.result) };
      case 'read':
        return { kind: 'answer', result: asResult((await prepared.execute()).result) };
      case 'write': {
        const { insertions, deletions } = countLines(prepared.write.diff);
        const write: PreparedWrite = {
          kind: 'write',
          tool: prepared.name,
          paths: prepared.write.paths,
          diff: prepared.write.diff,
          insertions,
          deletions,
          diffSha256: createHash('sha256').update(prepared.write.diff).digest('hex'),
          deletes: prepared.write.changes.some((c) => c.after === null),
        };
        this.prepared.set(write, prepared);
        return write;
      }
      case 'command':
        return { kind: 'command', argv: prepared.argv, cwd: '.', timeoutMs: prepared.timeoutMs };
      case 'finish':
        return { kind: 'finish', summary: prepared.claim.summary, confidence: prepared.claim.confidence };
      default: {
        const never: never = prepared;
        throw new Error(`unexpected tool call ${JSON.stringify(never)}`);
      }
    }
  }

  async apply(root: string, write: PreparedWrite): Promise<{ result: ToolResult; undo?: WriteUndo }> {
    const prepared = this.prepared.get(write);
    if (!prepared) {
      return {
        result: {
          ok: false,
          message: `Error: ${write.tool} on ${write.paths.join(', ')} was not prepared on this worker; call it again`,
        },
      };
    }
    this.prepared.delete(write);
    await this.toolsAt(root);
    const outcome = await prepared.execute();
    return {
      result: asResult(outcome.result),
      ...(outcome.undo
        ? { undo: { files: outcome.undo.files.map((f) => ({ path: f.path, before: f.previous })) } }
        : {}),
    };
  }

  /** Forgets a worktree's tools (its worktree is gone). */
  close(root: string): void {
    this.opened.delete(root);
  }

  private toolsAt(root: string): Promise<WorktreeTools> {
    let tools = this.opened.get(root);
    if (!tools) {
      tools = WorktreeTools.open({ root, commandRunner: this.runner, limits: this.limits });
      this.opened.set(root, tools);
      // A root that could not be opened is tried again next time.
      tools.catch(() => this.opened.delete(root));
    }
    return tools;
  }
}

/** Lines added and removed by a unified diff (its `+`/`-` lines, headers excluded). */
function countLines(diff: string): { insertions: number; deletions: number } {
  let insertions = 0;
  let deletions = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+')) insertions += 1;
    else if (line.startsWith('-')) deletions += 1;
  }
  return { insertions, deletions };
}
