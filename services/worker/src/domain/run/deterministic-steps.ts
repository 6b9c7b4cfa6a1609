import type { TaskSpec } from '@autopilot/contracts';

/** A step a task spec spells out: it runs as written, with no model and no cost. */
export type DeterministicStep =
  | { readonly kind: 'patch'; readonly patch: string }
  | { readonly kind: 'command'; readonly argv: readonly string[] };

export type DeterministicPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'steps'; readonly steps: readonly DeterministicStep[] }
  | { readonly kind: 'invalid'; readonly reason: string };

const FENCE = /```autopilot-steps[^\n]*\n([\s\S]*?)\n```/;

/**
 * The explicit steps of a task, if its spec carries them: its `steps` field, or (for a spec written
 * before that field, or by hand in a blueprint) a fenced block in its description:
 *
 *     ```autopilot-steps
 *     [{ "command": ["npm", "run", "format"] }, { "patch": "--- a/x\n+++ b/x\n…" }]
 *     ```
 *
 * A malformed block is reported as invalid rather than ignored: the author meant it to run.
 */
export function deterministicPlan(task: Pick<TaskSpec, 'description' | 'steps'>): DeterministicPlan {
  if (task.steps && task.steps.length > 0) {
    return {
      kind: 'steps',
      steps: task.steps.map((s): DeterministicStep =>
        'command' in s ? { kind: 'command', argv: s.command } : { kind: 'patch', patch: s.patch },
      ),
    };
  }
  const body = task.description ? FENCE.exec(task.description)?.[1] : undefined;
  if (body === undefined) return { kind: 'none' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    return { kind: 'invalid', reason: `autopilot-steps is not JSON: ${(err as Error).message}` };
  }
  if (!Array.isArray(parsed) || parsed.length === 0)
    return { kind: 'invalid', reason: 'autopilot-steps must be a non-empty JSON array' };
  const steps: DeterministicStep[] = [];
  for (const [n, raw] of parsed.entries()) {
    const item = raw as { command?: unknown; patch?: unknown } | null;
    if (
      item &&
      Array.isArray(item.command) &&
      item.command.length > 0 &&
      item.command.every((a) => typeof a === 'string')
    ) {
      steps.push({ kind: 'command', argv: item.command as string[] });
    } else if (item && typeof item.patch === 'string' && item.patch.length > 0) {
      steps.push({ kind: 'patch', patch: item.patch });
    } else {
      return {
        kind: 'invalid',
        reason: `autopilot-steps item ${n + 1} is neither {"command": [argv]} nor {"patch": "diff"}`,
      };
    }
  }
  return { kind: 'steps', steps };
}
