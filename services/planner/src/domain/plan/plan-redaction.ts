import type { BlueprintIngestedV1, IntentionAnchor } from '@autopilot/contracts';
import {
  findSecrets,
  findSecretsAfterEdits,
  mergeSecretFindings,
  redactSecrets,
  replacementFor,
  secretMarker,
  type EarlierSecretScan,
  type SecretFinding,
} from '@autopilot/secret-scan';
import type { PlanGraph } from './plan-graph';

/**
 * Secrets in a blueprint (an API key, a token, a private key pasted into it) never reach what the
 * planner derives: node and task titles, facts, scopes, the anchor, prompts to a model. The planner
 * plans a redacted copy of the blueprint, each secret replaced by `[redacted: <rule>]`, and maps the
 * offsets it announces back to the blueprint's own text, so a node's `start`/`end` still point into
 * the text ingestion stored.
 *
 * The secrets are ingestion's findings (`secretFindings`) and, as defence in depth, the planner's
 * own scan with the same rules (a producer with older rules, or an event from elsewhere, cannot
 * let one through); the scan costs ~40 ms on a 3 MB blueprint. A version told as an edit of one the
 * planner scanned is scanned only around the edit, from that version's own scan (findSecretsAfterEdits:
 * the same findings as a whole scan).
 */

/** One replaced range: where it was in the blueprint text and where its marker is in the copy. */
interface Edit {
  readonly start: number;
  readonly end: number;
  readonly newStart: number;
  readonly newEnd: number;
}

/** The redacted copy of a blueprint and the way back to the original's offsets. */
export interface PlanningView {
  /** The blueprint to plan: text, titles and section offsets redacted; ids, hashes and versions as they were. */
  readonly blueprint: BlueprintIngestedV1;
  /** How many secrets were replaced. */
  readonly redactions: number;
  /**
   * The planner's own scan of the blueprint's text (`findSecrets`, whatever ingestion announced): the
   * scan of a next version told as an edit of this one starts from it.
   */
  readonly ownFindings: readonly SecretFinding[];
  /** A graph planned from `blueprint`, with its offsets in the original text. */
  restoreGraph(graph: PlanGraph): PlanGraph;
  /** An anchor built from `blueprint`, with its statements' offsets in the original text. */
  restoreAnchor<A extends IntentionAnchor>(anchor: A): A;
}

const identity: Omit<PlanningView, 'blueprint' | 'ownFindings'> = {
  redactions: 0,
  restoreGraph: (graph) => graph,
  restoreAnchor: (anchor) => anchor,
};

/**
 * The redacted planning view of `blueprint` (the blueprint itself when it holds no secret). With
 * `earlier`, the planner's own scan of a version this one is an edit of (its `ownFindings`) and the
 * edits: the same view, the text scanned only around the edits.
 */
export function planningView(blueprint: BlueprintIngestedV1, earlier?: EarlierSecretScan): PlanningView {
  const { text } = blueprint;
  const announced = (blueprint.secretFindings ?? [])
    .map((f) => ({ rule: f.rule, start: Math.max(0, f.start), end: Math.min(text.length, f.end) }))
    .filter((f) => f.start < f.end);
  const ownFindings = earlier ? findSecretsAfterEdits(text, earlier) : findSecrets(text);
  const findings = mergeSecretFindings([...announced, ...ownFindings]);
  const title = redactString(blueprint.title, []);
  if (findings.length === 0 && title === blueprint.title) return { blueprint, ownFindings, ...identity };

  const edits: Edit[] = [];
  const parts: string[] = [];
  let at = 0;
  let shift = 0;
  for (const f of findings) {
    const marker = replacementFor(text, f.rule, f.start, f.end);
    parts.push(text.slice(at, f.start), marker);
    const newStart = f.start + shift;
    edits.push({ start: f.start, end: f.end, newStart, newEnd: newStart + marker.length });
    shift += marker.length - (f.end - f.start);
    at = f.end;
  }
  parts.push(text.slice(at));
  const toCopy = (offset: number) => mapOffset(edits, offset, 'original');
  const toOriginal = (offset: number) => mapOffset(edits, offset, 'copy');

  const sections = blueprint.sections.map((s) => {
    const mapped = {
      ...s,
      title: redactString(s.title, secretsOnLine(text, findings, s.start)),
      start: toCopy(s.start),
      end: toCopy(s.end),
    };
    if (s.bodyEnd !== undefined) mapped.bodyEnd = toCopy(s.bodyEnd);
    return mapped;
  });
  return {
    blueprint: { ...blueprint, title, text: parts.join(''), sections },
    redactions: findings.length,
    ownFindings,
    restoreGraph: (graph) => ({
      ...graph,
      nodes: graph.nodes.map((n) => ({
        ...n,
        start: toOriginal(n.start),
        end: toOriginal(n.end),
        sources: n.sources.map((src) => ({ ...src, start: toOriginal(src.start) })),
      })),
    }),
    restoreAnchor: (anchor) =>
      anchor.typedPivots === undefined
        ? anchor
        : {
            ...anchor,
            typedPivots: anchor.typedPivots.map((p) => ({
              ...p,
              statements: p.statements.map((st) => ({
                ...st,
                ...(st.start !== undefined ? { start: toOriginal(st.start) } : {}),
                ...(st.end !== undefined ? { end: toOriginal(st.end) } : {}),
              })),
            })),
          },
  };
}

/**
 * An offset of one text in the other. Offsets outside every edit move by the edits before them; an
 * offset inside a replaced range (or its marker) maps to the end of the range on the other side.
 */
function mapOffset(edits: readonly Edit[], offset: number, from: 'original' | 'copy'): number {
  let lo = 0;
  let hi = edits.length - 1;
  let before = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = from === 'original' ? edits[mid]!.start : edits[mid]!.newStart;
    if (start < offset) {
      before = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (before < 0) return offset;
  const e = edits[before]!;
  const [end, otherEnd] = from === 'original' ? [e.end, e.newEnd] : [e.newEnd, e.end];
  return offset >= end ? offset - end + otherEnd : otherEnd;
}

/** A secret's text as it appears in a short text taken from the blueprint, and its rule. */
interface KnownSecret {
  readonly text: string;
  readonly rule: string;
}

/** The findings on the line that starts at `lineStart` (a heading line), with their texts. */
function secretsOnLine(text: string, findings: readonly SecretFinding[], lineStart: number): KnownSecret[] {
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd === -1) lineEnd = text.length;
  const out: KnownSecret[] = [];
  let lo = 0;
  let hi = findings.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (findings[mid]!.end <= lineStart) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < findings.length && findings[i]!.start < lineEnd; i++) {
    const f = findings[i]!;
    out.push({ text: text.slice(Math.max(f.start, lineStart), Math.min(f.end, lineEnd)), rule: f.rule });
  }
  return out;
}

/**
 * A short text (a heading, a title) with its secrets replaced: those `known` to be there (found in
 * the text it was taken from) and any its own scan finds.
 */
export function redactString(value: string, known: readonly KnownSecret[]): string {
  let out = value;
  for (const secret of known) {
    if (secret.text.length > 0) out = out.split(secret.text).join(secretMarker(secret.rule));
  }
  return redactSecrets(out);
}
