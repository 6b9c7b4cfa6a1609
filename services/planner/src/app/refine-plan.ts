import { describeError } from '@autopilot/kernel';
import { redactSecrets } from '@autopilot/secret-scan';
import type { PlanGraph, PlannedNode } from '../domain/plan/plan-graph';
import {
  applyRefinements,
  parseRefinement,
  refinementKey,
  refinementPrompt,
  type Refinement,
} from '../domain/plan/plan-refinement';
import type { PlannerLog, PlanRefiner, RefinementCache } from './ports';

/** Default cap on model calls per planning; `AUTOPILOT_PLANNER_MAX_LLM_CALLS` overrides it (planner-settings.ts). */
export const DEFAULT_MAX_REFINEMENT_CALLS = 20;
/** How much of a section a prompt carries: enough to classify it, bounded so a call stays cheap. */
export const REFINEMENT_TEXT_CHARS = 6000;

export interface RefinePlanOptions {
  /** Null: no model configured; the plan is returned as the rules made it. */
  readonly refiner: PlanRefiner | null;
  readonly cache: RefinementCache;
  readonly maxCalls: number;
  /** The blueprint text the nodes' offsets point into. */
  readonly text: string;
  readonly log: PlannerLog;
  /** Whose budget the calls are charged to, and the planning they belong to (RefinementRequest). */
  readonly projectId: string;
  readonly planningId: string;
}

export interface RefinementReport {
  /** Model calls made (at most `maxCalls`). */
  readonly calls: number;
  readonly cacheHits: number;
  /** Calls whose answer was unusable: those nodes kept their rule-based form. */
  readonly failures: number;
  /** Ambiguous nodes left as the rules made them because the call budget ran out. */
  readonly skipped: number;
}

/**
 * Refines the nodes the rules marked ambiguous, in document order: a cached answer for the node's
 * section hashes first, else a model call while the budget lasts. A failed or malformed answer is
 * logged and the node keeps its rule-based form; the plan never fails because of the model.
 */
export async function refinePlan(
  plan: PlanGraph,
  opts: RefinePlanOptions,
): Promise<{ plan: PlanGraph; report: RefinementReport }> {
  const ambiguous = plan.nodes.filter((n) => n.ambiguity !== undefined);
  const { refiner } = opts;
  if (refiner === null || ambiguous.length === 0) {
    return { plan, report: { calls: 0, cacheHits: 0, failures: 0, skipped: ambiguous.length } };
  }
  const keys = ambiguous.map(refinementKey);
  const cached = await opts.cache.cachedRefinements([...new Set(keys)]);
  const titles = new Map(plan.nodes.map((n) => [n.id, n] as const));
  const refinements = new Map<string, Refinement>();
  let calls = 0;
  let cacheHits = 0;
  let failures = 0;
  let skipped = 0;
  for (let i = 0; i < ambiguous.length; i++) {
    const node = ambiguous[i]!;
    const key = keys[i]!;
    const hit = cached.get(key);
    if (hit) {
      cacheHits++;
      refinements.set(node.id, hit);
      continue;
    }
    if (calls >= opts.maxCalls) {
      skipped++;
      continue;
    }
    calls++;
    try {
      // The text is already the redacted blueprint (plan-redaction.ts); scanning the prompt again is
      // the last guard before anything leaves the process, and costs little at 6000 characters.
      const draft = refinementPrompt(node, headingPath(node, titles), ownText(node, opts.text));
      const prompt = { system: redactSecrets(draft.system), user: redactSecrets(draft.user) };
      const request = { nodeId: node.id, projectId: opts.projectId, planningId: opts.planningId, ...prompt };
      const answer = parseRefinement(await refiner.refine(request), node.id);
      await opts.cache.cacheRefinement(key, answer, refiner.model);
      cached.set(key, answer);
      refinements.set(node.id, answer);
    } catch (err) {
      failures++;
      opts.log.warn('plan refinement failed; the node keeps its rule-based form', {
        planNodeId: node.id,
        sectionId: node.sectionId,
        model: refiner.model,
        error: describeError(err),
      });
    }
  }
  return { plan: applyRefinements(plan, refinements), report: { calls, cacheHits, failures, skipped } };
}

function headingPath(node: PlannedNode, byId: ReadonlyMap<string, PlannedNode>): string[] {
  const path: string[] = [];
  for (let n: PlannedNode | undefined = node; n; n = n.parentId ? byId.get(n.parentId) : undefined)
    path.push(n.title);
  return path.reverse();
}

/** The node's own section text (its absorbed facets included), bounded. */
function ownText(node: PlannedNode, text: string): string {
  const parts = node.sources.map((s) => {
    const own = s.sectionId === node.sectionId;
    return text.slice(s.start, own ? Math.min(node.end, s.start + REFINEMENT_TEXT_CHARS) : s.start + 2000);
  });
  const joined = parts.join('\n');
  return joined.length > REFINEMENT_TEXT_CHARS ? joined.slice(0, REFINEMENT_TEXT_CHARS) : joined;
}
