import { AutopilotError } from '@autopilot/kernel';

/** One dependency the rules could not resolve to a node. */
export interface MissingDependency {
  readonly nodeId: string;
  readonly nodeTitle: string;
  readonly sectionId: string;
  /** The reference as written. */
  readonly reference: string;
  /** Offset of the reference in the blueprint text, and its 1-based line. */
  readonly offset: number;
  readonly line: number;
}

/**
 * A blueprint states a dependency on something that is no node of the plan and is not clearly
 * external (a URL, a ticket, another team). Names every such reference (up to 20), the first in the
 * message: the node, the text and where it is.
 */
export class MissingDependencyError extends AutopilotError {
  readonly code = 'PLANNER_MISSING_DEPENDENCY';
  constructor(readonly missing: readonly MissingDependency[]) {
    const first = missing[0];
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
    super(
      first
        ? `"${first.nodeTitle}" (plan node ${first.nodeId}, section ${first.sectionId}) depends on "${first.reference}" ` +
            `at offset ${first.offset} (line ${first.line}), which names no node of the plan${more}`
        : 'a dependency names no node of the plan',
    );
  }
}

/** The sections of a `blueprint.ingested` payload do not form a tree over the text. */
export class PlanInputError extends AutopilotError {
  readonly code = 'PLANNER_INVALID_BLUEPRINT';
  constructor(
    readonly sectionId: string,
    readonly problem: string,
  ) {
    super(`section ${sectionId}: ${problem}`);
  }
}

/** The 1-based line of `offset` in `text`. Only called on the error path: it scans the text. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * A blueprint version older than the one already planned: planning it would take the plan back.
 * Announced as `plan.rejected`, so a client waiting on that version gets an answer.
 */
export class BlueprintSupersededError extends AutopilotError {
  readonly code = 'PLANNER_BLUEPRINT_SUPERSEDED';
  constructor(
    readonly blueprintVersion: number,
    readonly plannedVersion: number,
  ) {
    super(
      `blueprint version ${blueprintVersion} is older than version ${plannedVersion}, which is already planned`,
    );
  }
}
