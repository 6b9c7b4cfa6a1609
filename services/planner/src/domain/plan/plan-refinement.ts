import { PLAN_NODE_KINDS, type PlanNodeKind } from '@autopilot/contracts';
import { AutopilotError } from '@autopilot/kernel';
import type { PlanGraph, PlannedNode } from './plan-graph';
import { stableId } from './plan-ids';

/**
 * What a model may change about an ambiguous node, and how its answer is checked before it is
 * used. The model never adds dependencies or nodes: it can only settle the kind of a node the rules
 * could not settle and fill in what the node delivers and how to tell it is done.
 */
export interface Refinement {
  readonly kind?: PlanNodeKind;
  readonly deliverables?: readonly string[];
  readonly acceptanceCriteria?: readonly string[];
}

/** Bump when the prompt or the answer's meaning changes: cached answers under the old one are ignored. */
// 2 (issue 13): prompts carry the redacted blueprint; answers to prompts of 1 may quote a secret.
export const REFINEMENT_PROMPT_VERSION = 2;

/** The model's answer did not have the agreed shape; the node keeps its rule-based form. */
export class InvalidRefinementError extends AutopilotError {
  readonly code = 'PLANNER_INVALID_REFINEMENT';
  constructor(
    readonly nodeId: string,
    readonly problem: string,
  ) {
    super(`refinement of plan node ${nodeId}: ${problem}`);
  }
}

/** The cache key of a node's refinement: its section texts' hashes (unchanged text, same answer). */
export function refinementKey(node: PlannedNode): string {
  return stableId('refine', [String(REFINEMENT_PROMPT_VERSION), ...node.sources.map((s) => s.hash)]);
}

/** The messages to send for one node. `ownText` is the node's section text (capped by the caller). */
export function refinementPrompt(
  node: PlannedNode,
  headingPath: readonly string[],
  ownText: string,
): { system: string; user: string } {
  return {
    system:
      'You classify one section of a software project plan. Answer with a JSON object only: ' +
      '{"kind": one of "phase"|"epic"|"feature"|"story"|"task_spec", "deliverables": [strings], ' +
      '"acceptanceCriteria": [strings]}. Use task_spec only for a concrete piece of work one engineer ' +
      'can finish. Take deliverables and criteria from the text; never invent requirements; use [] ' +
      'when the text states none.',
    user: [
      `Heading path: ${headingPath.join(' > ')}`,
      `Rules' kind: ${node.kind}`,
      `Why it is unclear: ${node.ambiguity ?? 'unknown'}`,
      'Section text:',
      ownText,
    ].join('\n'),
  };
}

const MAX_ITEMS = 50;
const MAX_ITEM_CHARS = 2000;

function strings(raw: unknown, field: string, nodeId: string): readonly string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new InvalidRefinementError(nodeId, `${field} is not a list`);
  const items = raw
    .filter((x): x is string => typeof x === 'string')
    .map((x) => x.replace(/\s+/g, ' ').trim())
    .filter((x) => x !== '');
  if (items.length !== raw.length)
    throw new InvalidRefinementError(nodeId, `${field} holds something other than text`);
  return items
    .slice(0, MAX_ITEMS)
    .map((x) => (x.length > MAX_ITEM_CHARS ? `${x.slice(0, MAX_ITEM_CHARS - 1)}…` : x));
}

/** Checks a model's answer (already parsed from JSON). Throws InvalidRefinementError. */
export function parseRefinement(raw: unknown, nodeId: string): Refinement {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidRefinementError(nodeId, 'the answer is not a JSON object');
  }
  const answer = raw as Record<string, unknown>;
  const kind = answer['kind'];
  if (kind !== undefined && !(PLAN_NODE_KINDS as readonly unknown[]).includes(kind)) {
    throw new InvalidRefinementError(
      nodeId,
      `kind ${JSON.stringify(kind).slice(0, 40)} is not a plan node kind`,
    );
  }
  const deliverables = strings(answer['deliverables'], 'deliverables', nodeId);
  const acceptanceCriteria = strings(answer['acceptanceCriteria'], 'acceptanceCriteria', nodeId);
  return {
    ...(kind !== undefined ? { kind: kind as PlanNodeKind } : {}),
    ...(deliverables ? { deliverables } : {}),
    ...(acceptanceCriteria ? { acceptanceCriteria } : {}),
  };
}

/**
 * The plan with refinements applied to the nodes they name. A node with children cannot become a
 * task_spec (its children carry the work); the rest of such an answer still applies. Refined nodes
 * lose their ambiguity and record `origin: 'llm'`.
 */
export function applyRefinements(plan: PlanGraph, refinements: ReadonlyMap<string, Refinement>): PlanGraph {
  if (refinements.size === 0) return plan;
  const parents = new Set<string>();
  for (const node of plan.nodes) if (node.parentId !== undefined) parents.add(node.parentId);
  const nodes = plan.nodes.map((node) => {
    const r = refinements.get(node.id);
    if (!r) return node;
    const kind = r.kind === 'task_spec' && parents.has(node.id) ? node.kind : (r.kind ?? node.kind);
    const { ambiguity: _settled, ...rest } = node;
    return {
      ...rest,
      kind,
      deliverables: r.deliverables && r.deliverables.length > 0 ? r.deliverables : node.deliverables,
      acceptanceCriteria:
        r.acceptanceCriteria && r.acceptanceCriteria.length > 0
          ? r.acceptanceCriteria
          : node.acceptanceCriteria,
      origin: 'llm' as const,
    };
  });
  return { ...plan, nodes };
}
