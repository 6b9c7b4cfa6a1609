import { AutopilotError } from '@autopilot/kernel';
import type { CommandResult } from '../sandbox/command-runner';

/**
 * What a tool answers the model. A refusal, a bad argument or a failed command is `ok: false` with
 * a message the model can act on; it is the tool's result, never a crash of the run.
 */
export type ToolResult =
  | {
      readonly ok: true;
      readonly output: string;
      /** Things the model and the step log should know (e.g. a syntax check that could not run). */
      readonly notes?: readonly string[];
    }
  | { readonly ok: false; readonly error: string; readonly notes?: readonly string[] };

/** A file's contents before the write that changed it, or `null` when it did not exist. */
export interface FileUndo {
  readonly path: string;
  readonly previous: string | null;
}

/** What an applied write needs to undo itself; plain JSON, so it can be stored with the checkpoint. */
export interface WriteUndo {
  readonly tool: string;
  /** In the order they were written; undo restores them in reverse. */
  readonly files: readonly FileUndo[];
}

/** The outcome of executing one tool call: its result and, depending on the tool, what came with it. */
export interface ToolOutcome {
  readonly result: ToolResult;
  /** Writes that changed files: how to undo them (`WorktreeTools.undo`). */
  readonly undo?: WriteUndo;
  /** `run_command`: the runner's full result, for the step log. */
  readonly command?: CommandResult;
}

/**
 * An expected refusal inside a tool (no such file, old_str not unique, a parse error). Tools throw
 * it and the dispatcher turns it into `{ ok: false, error: message }`.
 */
export class ToolRefusedError extends AutopilotError {
  readonly code = 'WORKER_TOOL_REFUSED';
}

export const toolFailure = (error: string, notes?: readonly string[]): ToolResult =>
  notes && notes.length > 0 ? { ok: false, error, notes } : { ok: false, error };

export const toolSuccess = (output: string, notes?: readonly string[]): ToolResult =>
  notes && notes.length > 0 ? { ok: true, output, notes } : { ok: true, output };

/** The text the model receives as the tool message's content. */
export function renderToolResult(result: ToolResult): string {
  const body = result.ok ? result.output : `Error: ${result.error}`;
  const notes = result.notes ?? [];
  return notes.length === 0 ? body : `${body}\n${notes.map((n) => `Note: ${n}`).join('\n')}`;
}
