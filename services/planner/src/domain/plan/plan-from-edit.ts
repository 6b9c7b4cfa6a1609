import { factsOf, type SectionFacts } from '../section-facts/extract-section';
import type { DependencyMention } from '../section-facts/extract-references';
import type { BlueprintForPlan, BlueprintSectionForPlan, PlannedNode, SectionSource } from './plan-graph';
import {
  bodyText,
  derivePlan,
  hasBody,
  ORDER_MATTERS,
  plannedNode,
  sentenceAt,
  type Draft,
  type PlanDerivation,
  type PlanFromSectionsOptions,
} from './plan-from-sections';

/**
 * Re-planning an edited blueprint without deriving the plan again (issue 17, "re-plan only the
 * affected subtrees"). The rules of plan-from-sections.ts are global: roles and kinds follow the
 * heading tree, dependencies resolve by title across the document, priority and status flow down,
 * risk rolls up, a whole file's signals decide whether it is a plan. An edit that changes only the
 * text under some headings, and nothing any of those global rules reads, changes only the nodes
 * that text feeds; every other node is the last one, its positions moved with the edit.
 *
 * So when the heading tree is the same (same sections, ids, titles, levels, parents and files) and
 * each changed section's facts agree with its earlier facts on everything read beyond its own node
 * (dependencies and the sentences they quote, priority, status, risk, checklists, whether it has
 * a body, whether its text says numbered steps run in order), the nodes it feeds are built again
 * and the rest moved. Otherwise, and for what this cannot settle (a preamble, a checklist, more
 * than `MAX_CHANGED_SECTIONS` changed), the plan is derived whole: `derivePlan` decides nothing
 * differently, it only costs more. The result is the same plan as deriving whole gives, key for key
 * (plan-from-edit.test.ts holds that over seeded random edits).
 */
export function derivePlanAfterEdit(
  blueprint: BlueprintForPlan,
  previous: PlanDerivation | undefined,
  options: PlanFromSectionsOptions = {},
): PlanDerivation {
  return (previous && derivedFromEdit(blueprint, previous, options)) ?? derivePlan(blueprint, options);
}

/** Past this many changed sections an edit is no longer local: deriving whole costs about as much. */
const MAX_CHANGED_SECTIONS = 64;

function derivedFromEdit(
  blueprint: BlueprintForPlan,
  previous: PlanDerivation,
  options: PlanFromSectionsOptions,
): PlanDerivation | undefined {
  const { basis } = previous;
  const before = basis.blueprint;
  const changed = changedSections(before, blueprint);
  if (changed === undefined) return undefined;
  const { sections, text } = blueprint;
  const { layout } = basis;
  /** Per draft fed by a changed section: its sources and body again, in the order gatherFacts made them. */
  const rebuilt = new Map<number, { sources: SectionSource[]; body: string[] }>();
  for (const i of changed) {
    const role = layout.roles[i]!;
    if (role.type === 'title') continue; // a document's title feeds no node
    const section = sections[i]!;
    const fed = layout.feeds[i]!;
    if (section.kind === 'preamble' || fed < 0) return undefined;
    const draft = layout.drafts[fed]!;
    // A draft whose checklist became nodes holds its facts read without the items: derive whole.
    const next = layout.drafts[fed + 1];
    if (next?.item !== undefined && next.parent === fed) return undefined;
    const k = draft.sources.findIndex((s) => s.sectionId === section.id);
    const earlier = draft.sources[k];
    if (earlier === undefined) return undefined;
    const ownEnd = section.bodyEnd ?? Math.min(section.end, sections[i + 1]?.start ?? section.end);
    const facet = role.type === 'facet' ? role.facet : undefined;
    const facts = factsOf(
      () => text.slice(section.start, ownEnd),
      facet,
      true,
      options.reuseFacts?.(section),
    );
    if (!sameReach(earlier, before.text, facts, section.start, text)) return undefined;
    if (role.type === 'node' && hasBody(text, section.start, ownEnd) !== draft.hasBody) return undefined;
    let parts = rebuilt.get(fed);
    if (!parts) rebuilt.set(fed, (parts = { sources: draft.sources.slice(), body: draft.body.slice() }));
    parts.sources[k] = { sectionId: section.id, hash: section.hash, start: section.start, facts };
    parts.body[k] = bodyText(text, section.start, ownEnd, role.type === 'facet');
  }
  const drafts = layout.drafts.slice();
  for (const [fed, parts] of rebuilt) {
    const draft = layout.drafts[fed]!;
    // Whether its numbered children run in order is read from this text (addStepOrder).
    if (ORDER_MATTERS.test(draft.body.join('\n')) !== ORDER_MATTERS.test(parts.body.join('\n')))
      return undefined;
    // Sources of sections (no checklist item among them, see above): each starts where its section does.
    const sources = parts.sources.map((s) => {
      const start = sections[basis.sectionIndex.get(s.sectionId)!]!.start;
      return s.start === start ? s : { ...s, start };
    });
    drafts[fed] = { ...draft, sources, body: parts.body };
  }
  const shifts = new Int32Array(sections.length);
  sections.forEach((s, i) => (shifts[i] = s.start - before.sections[i]!.start));
  const nodes = previous.graph.nodes.map((node, d): PlannedNode => {
    if (rebuilt.has(d))
      return plannedNode(d, sections, basis.sectionIndex, drafts, basis.ids, basis.edges, basis.context);
    return movedNode(node, drafts[d]!, sections, shifts, basis.sectionIndex);
  });
  return {
    graph: { ...previous.graph, blueprintVersion: blueprint.version, nodes },
    how: 'edit',
    basis: { ...basis, blueprint, layout: { ...layout, drafts } },
  };
}

/**
 * The indexes of the sections whose own text changed, when the heading tree is the same section by
 * section; undefined when it is not (or the edit is not local).
 */
function changedSections(before: BlueprintForPlan, after: BlueprintForPlan): number[] | undefined {
  if (
    before.projectId !== after.projectId ||
    before.blueprintId !== after.blueprintId ||
    before.sections.length !== after.sections.length ||
    !sameFiles(before.files, after.files)
  )
    return undefined;
  const changed: number[] = [];
  let previousStart = -1;
  for (let i = 0; i < after.sections.length; i++) {
    const a = before.sections[i]!;
    const b = after.sections[i]!;
    if (
      a.id !== b.id ||
      a.parentId !== b.parentId ||
      a.level !== b.level ||
      a.title !== b.title ||
      a.kind !== b.kind ||
      a.file !== b.file
    )
      return undefined;
    // Out of order or outside the text: deriving whole says what is wrong with it.
    if (b.start < previousStart || b.start > b.end || b.end > after.text.length) return undefined;
    previousStart = b.start;
    if (a.hash !== b.hash || a.wordCount !== b.wordCount) {
      changed.push(i);
      if (changed.length > MAX_CHANGED_SECTIONS) return undefined;
    }
  }
  return changed;
}

function sameFiles(a: BlueprintForPlan['files'], b: BlueprintForPlan['files']): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((f, i) => f.path === b[i]!.path);
}

/**
 * True when a section's new facts agree with its earlier ones on everything the rules read beyond
 * the node the section feeds: what it depends on (and the sentence each dependency quotes, its
 * reason), its stated priority, status and risk, its risk signals, and its checklist (none: a
 * checklist may become nodes or mark its file a plan).
 */
function sameReach(
  earlier: SectionSource,
  earlierText: string,
  facts: SectionFacts,
  start: number,
  text: string,
): boolean {
  const was = earlier.facts;
  return (
    (was.checklist ?? []).length === 0 &&
    (facts.checklist ?? []).length === 0 &&
    was.priorityClass === facts.priorityClass &&
    was.status === facts.status &&
    was.explicitRisk === facts.explicitRisk &&
    sameList(was.riskSignals, facts.riskSignals, (x, y) => x === y) &&
    sameList(
      was.dependencies,
      facts.dependencies,
      (x, y) =>
        sameMentionApartOffsets(x, y) &&
        sentenceAt(earlierText, earlier.start + x.offset) === sentenceAt(text, start + y.offset),
    )
  );
}

/**
 * The same mention apart from where it is: text inserted before it in its section moves it, and
 * its offset is read only for the sentence it quotes (compared beside) and a missing reference's
 * place (the same references resolve the same).
 */
function sameMentionApartOffsets(a: DependencyMention, b: DependencyMention): boolean {
  return (
    a.text === b.text &&
    a.strength === b.strength &&
    a.external === b.external &&
    a.clause === b.clause &&
    a.subject?.text === b.subject?.text
  );
}

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false;
  return true;
}

/**
 * A node the edit did not reach, where the edit moved it: a section's node spans its section, a
 * checklist item's node and source move with their section, and each source starts where its section does.
 */
function movedNode(
  node: PlannedNode,
  draft: Draft,
  sections: readonly BlueprintSectionForPlan[],
  shifts: Int32Array,
  sectionIndex: ReadonlyMap<string, number>,
): PlannedNode {
  const shift = shifts[draft.section]!;
  const section = sections[draft.section]!;
  const start = draft.item ? node.start + shift : section.start;
  const end = draft.item ? node.end + shift : section.end;
  let sources = node.sources;
  for (let k = 0; k < node.sources.length; k++) {
    const source = node.sources[k]!;
    const at = sectionIndex.get(source.sectionId);
    const by = at === undefined ? shift : shifts[at]!;
    if (by === 0) continue;
    if (sources === node.sources) sources = node.sources.slice();
    (sources as SectionSource[])[k] = { ...source, start: source.start + by };
  }
  if (start === node.start && end === node.end && sources === node.sources) return node;
  return { ...node, start, end, sources };
}
