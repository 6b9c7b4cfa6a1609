import type { PlanNodeKind, PlanNodeStatus, RiskLevel } from '@autopilot/contracts';
import {
  extractSection,
  factsOf,
  FACT_LIMITS,
  type ChecklistItem,
  type SectionFacts,
} from '../section-facts/extract-section';
import type { DependencyMention } from '../section-facts/extract-references';
import { userStoryWant } from '../section-facts/user-story';
import { moscowHeading, riskOf, PRIORITY_CLASS, type RiskSignal } from '../section-facts/extract-signals';
import { ReferenceIndex, type IndexedNode } from './plan-dependencies';
import { lineOf, MissingDependencyError, PlanInputError, type MissingDependency } from './plan-errors';
import type {
  BlueprintForPlan,
  BlueprintSectionForPlan,
  PlanGraph,
  PlannedNode,
  SectionSource,
} from './plan-graph';
import { planIdFor, planNodeIdFor } from './plan-ids';
import {
  announcesPlan,
  compareNumbering,
  facetOf,
  isInformational,
  isReference,
  isWorkList,
  plainTitle,
  KIND_BY_RANK,
  KIND_OF_LABEL,
  KIND_RANK,
  parseHeading,
  readsAsWork,
  type FacetKind,
  type HeadingParts,
} from './plan-kinds';

/**
 * The deterministic plan graph of a blueprint: sections become plan nodes, the rules settle kind,
 * priority, risk, status and dependencies, and flag what they cannot settle as ambiguous.
 *
 * - Kind: explicit naming first ("Phase 2:", "Epic:", "Story 3.1", "Task"), else depth below the
 *   outermost node (phase, epic, feature, story, task_spec), never shallower than the parent's.
 *   Leaves that describe work become task_spec; explanatory sections (Background, Glossary) never do.
 * - A lone top-level heading with everything under it is the document's title, not a phase.
 * - Sub-headings that are facets of their parent ("Acceptance criteria", "Depends on", "Files")
 *   add to the parent node instead of becoming nodes.
 * - Priority: `class * 100000 + position among siblings`; the class comes from P0..P4 / MoSCoW /
 *   "Priority:" (inherited from the parent when unmarked, see PRIORITY_CLASS).
 * - Risk: the signals of the node and everything under it (extract-signals.ts `riskOf`), or a
 *   stated "Risk:".
 * - Dependencies: stated ones must resolve (MissingDependencyError otherwise, unless external);
 *   sibling phases named as phases run in order (phase N+1 depends on phase N), and numbered
 *   steps where the text says the order matters; free words after "after" / "depends on" name a
 *   node only when they start with its title. Each edge keeps the sentence it came from.
 * - Not work (issue 17): reference sections (licence, FAQ, install, usage) and all under them; a
 *   file with no sign of a plan (a README, a guide, prose) makes no task at all. Describing
 *   sections (Goal, Approach, Scope) fold into the node they describe, and a leaf whose work is a
 *   checklist gets a node per item.
 * - Each node carries a body (its text and its facets', capped) and the reasons for its priority
 *   and risk; titles lose markup and trailing punctuation.
 */

export interface PlanFromSectionsOptions {
  /**
   * Stored facts of a section, when its text is unchanged since they were extracted (re-planning an
   * edited blueprint reads only changed sections). Undefined: extract now.
   */
  readonly reuseFacts?: (section: BlueprintSectionForPlan) => SectionFacts | undefined;
}

const SIBLING_SPAN = 100_000;

/** What each section is to the plan. */
export type Role = { type: 'node' } | { type: 'title' } | { type: 'facet'; facet: FacetKind; owner: number };
const NODE_ROLE: Role = { type: 'node' };
const TITLE_ROLE: Role = { type: 'title' };

export interface Draft {
  readonly section: number;
  /** A checklist item of the section (`- [ ] Login page`), a node of its own; absent for the section itself. */
  readonly item?: {
    readonly index: number;
    readonly title: string;
    readonly start: number;
    readonly end: number;
    readonly checked: boolean;
  };
  readonly heading: HeadingParts;
  readonly parent: number;
  readonly depth: number;
  readonly sources: SectionSource[];
  readonly hasBody: boolean;
  /** Reference material (licence, FAQ, install steps) or in a document that is not a plan: never a task. */
  reference: boolean;
  /** The section's own text and that of the facets it absorbed, for the task's body. */
  readonly body: string[];
  children: number;
  kind: PlanNodeKind;
  ambiguity?: string;
}

export function planFromSections(
  blueprint: BlueprintForPlan,
  options: PlanFromSectionsOptions = {},
): PlanGraph {
  return derivePlan(blueprint, options).graph;
}

/**
 * A plan graph with what deriving it settled on the way (plan-from-edit.ts reads it): re-planning a
 * version whose edit left every rule's global input alone reuses it instead of deriving again.
 */
export interface PlanDerivation {
  readonly graph: PlanGraph;
  /** `whole`: every rule ran; `edit`: derived from an earlier derivation (plan-from-edit.ts). */
  readonly how: 'whole' | 'edit';
  readonly basis: DerivationBasis;
}

/** What deriving a plan settled, index-aligned with its sections and drafts. Read only. */
export interface DerivationBasis {
  /** The blueprint (its planning view) the graph was derived from. */
  readonly blueprint: BlueprintForPlan;
  readonly sectionIndex: ReadonlyMap<string, number>;
  readonly layout: SectionLayout;
  readonly ids: readonly string[];
  readonly edges: DependencyEdges;
  readonly context: NodeContext;
}

/** The plan graph of `blueprint`, every rule applied (planFromSections, with its basis). */
export function derivePlan(
  blueprint: BlueprintForPlan,
  options: PlanFromSectionsOptions = {},
): PlanDerivation {
  const planId = planIdFor(blueprint.projectId, blueprint.blueprintId);
  const sectionIndex = indexSections(blueprint);
  const titles = blueprint.sections.map(readTitle);
  const layout = assignRoles(blueprint.sections, sectionIndex, titles, blueprint.text);
  const documentFacets = gatherFacts(blueprint, layout, options);
  markNonPlanFiles(blueprint, layout);
  const expanded = expandChecklists(blueprint, layout, sectionIndex);
  // Step 3, kinds: parents come first in document order, so each is decided after its parent.
  for (const draft of expanded.drafts) decideKind(draft, expanded.drafts);
  // An item's id follows its title, not its place: adding an item keeps the others' ids.
  const itemKeys = new Map<string, number>();
  const ids = expanded.drafts.map((d) => {
    const sectionId = blueprint.sections[d.section]!.id;
    if (!d.item) return planNodeIdFor(planId, sectionId);
    const key = `${sectionId}#item:${d.item.title.toLowerCase()}`;
    const n = (itemKeys.get(key) ?? 0) + 1;
    itemKeys.set(key, n);
    return planNodeIdFor(planId, n > 1 ? `${key}#${n}` : key);
  });
  const edges = resolveDependencies(blueprint, planId, expanded.drafts, ids, documentFacets);
  const context = nodeContext(blueprint.sections, expanded.drafts, documentCommands(documentFacets));
  const nodes = expanded.drafts.map((_, i) =>
    plannedNode(i, blueprint.sections, sectionIndex, expanded.drafts, ids, edges, context),
  );
  return {
    graph: {
      planId,
      projectId: blueprint.projectId,
      blueprintId: blueprint.blueprintId,
      blueprintVersion: blueprint.version,
      nodes,
    },
    how: 'whole',
    basis: { blueprint, sectionIndex, layout: expanded, ids, edges, context },
  };
}

/**
 * A file with no sign of being a plan (no phase, story or task named, no checklist, no acceptance
 * criteria or dependencies, no heading that announces a plan, few headings that read as work) is
 * a README, a guide or prose: none of its sections is work (issue 17 items 1 and 5).
 */
function markNonPlanFiles(blueprint: BlueprintForPlan, { drafts, roles }: SectionLayout): void {
  const { sections } = blueprint;
  const signals = new Map<string, { plan: boolean; work: number; candidates: number }>();
  const fileOf = (i: number) => sections[i]!.file ?? '';
  const entry = (file: string) => {
    let e = signals.get(file);
    if (!e) signals.set(file, (e = { plan: false, work: 0, candidates: 0 }));
    return e;
  };
  sections.forEach((section, i) => {
    const e = entry(fileOf(i));
    const role = roles[i]!;
    const planFacet = role.type === 'facet' && (role.facet === 'criteria' || role.facet === 'deliverables');
    if (planFacet && section.kind !== 'preamble') e.plan = true;
    if (role.type === 'title' && announcesPlan(plainTitle(section.title))) e.plan = true;
  });
  for (const d of drafts) {
    const e = entry(fileOf(d.section));
    if (d.heading.label !== undefined) e.plan = true;
    if (d.children > 0 && announcesPlan(d.heading.name)) e.plan = true;
    for (const source of d.sources) {
      const f = source.facts;
      if (
        f.checklist?.some((c) => !c.checked) ||
        f.statesCriteria === true ||
        f.dependencies.some((m) => !m.external && m.clause !== true)
      )
        e.plan = true;
      // Not a priority: "you must have" in a README reads as MoSCoW.
      if (f.status !== undefined) e.plan = true;
    }
    // Leaves only: headings that group others say little about whether the document asks for work.
    if (!d.reference && d.children === 0 && !isInformational(d.heading.name)) {
      e.candidates++;
      if (readsAsWork(d.heading.name)) e.work++;
    }
  }
  for (const d of drafts) {
    const e = entry(fileOf(d.section));
    const isPlan = e.plan || (e.work > 0 && e.work * 2 >= e.candidates);
    if (!isPlan) d.reference = true;
  }
}

/** A layout with a node per checklist item of a leaf whose work is a checklist (issue 17 item 9). */
function expandChecklists(
  blueprint: BlueprintForPlan,
  layout: SectionLayout,
  sectionIndex: ReadonlyMap<string, number>,
): SectionLayout {
  const { drafts } = layout;
  const NONE = { source: -1, items: [] as readonly ChecklistItem[] };
  const lists = drafts.map((d) => {
    if (d.children > 0 || d.reference) return NONE;
    const source = checklistSource(blueprint, d);
    const items = source < 0 ? [] : (d.sources[source]!.facts.checklist ?? []);
    // One item is the section's own work, unless a MoSCoW heading ("Nice to have") only grades it.
    const title = blueprint.sections[d.section]!.title;
    const listed = items.length >= 2 || (items.length === 1 && moscowHeading(title) !== undefined);
    return listed ? { source, items } : NONE;
  });
  if (lists.every((l) => l.items.length === 0)) return layout;
  const newIndex = new Int32Array(drafts.length);
  const out: Draft[] = [];
  drafts.forEach((d, i) => {
    newIndex[i] = out.length;
    const parent = d.parent >= 0 ? newIndex[d.parent]! : -1;
    const { source, items } = lists[i]!;
    const sources = items.length === 0 ? d.sources : withoutItems(blueprint, d, source, sectionIndex);
    const self = out.length;
    out.push({ ...d, parent, sources, children: d.children + items.length });
    // Where the items' section starts: the node's own, or its "Tasks" section's.
    const listedIn = d.sources[source];
    const sectionStart = listedIn?.start ?? 0;
    items.forEach((item, k) => {
      const written = blueprint.text.slice(sectionStart + item.start, sectionStart + item.end);
      // The item's words without its "- [ ] ": blanked, they would read as an indented code block.
      const marker = /^\s*[-*+]\s+\[[ xX]\]\s+/.exec(written)?.[0].length ?? 0;
      const itemText = written.slice(marker);
      const title = checklistTitle(item.text);
      const facts = extractSection(itemText, undefined, false);
      out.push({
        section: d.section,
        item: {
          index: k,
          title,
          start: sectionStart + item.start,
          end: sectionStart + item.end,
          checked: item.checked,
        },
        heading: { label: 'task', name: itemName(title), ...issueNumber(item.text) },
        parent: self,
        depth: d.depth + 1,
        sources: [
          {
            // Not the section's own id: stored facts are reused by section id, and these are the item's.
            sectionId: `${blueprint.sections[d.section]!.id}#item`,
            hash: listedIn!.hash,
            start: sectionStart + item.start + marker,
            facts: item.dependsOn ? withRowDependencies(facts, item, items, marker) : facts,
          },
        ],
        hasBody: true,
        reference: false,
        body: [item.details ? [item.text, ...item.details].join('\n') : item.text],
        children: 0,
        kind: 'task_spec',
      });
    });
  });
  const feeds = layout.feeds.map((n) => (n >= 0 ? newIndex[n]! : -1));
  return { roles: layout.roles, drafts: out, feeds };
}

/**
 * An item's facts with what its work table's dependency column states (ChecklistItem.dependsOn),
 * offsets made relative to the item's source (which starts `marker` after the item). A row named
 * by its id names that row's task, by the title `expandChecklists` gives it: the sentence quoted
 * as the reason is the row, as written ("| 2 | Map plans to prices | Ben | 1 |").
 */
function withRowDependencies(
  facts: SectionFacts,
  item: ChecklistItem,
  items: readonly ChecklistItem[],
  marker: number,
): SectionFacts {
  const stated = item.dependsOn!.flatMap((m): DependencyMention[] => {
    const { item: row, ...mention } = m;
    const offset = m.offset - item.start - marker;
    if (row === undefined) return [{ ...mention, offset }];
    const named = items[row];
    // A row past the checklist's cap is no task: what names it stays a note.
    if (named === undefined) return [{ ...mention, offset, external: true }];
    return [{ text: checklistTitle(named.text), offset, strength: 'stated', external: false, title: true }];
  });
  return { ...facts, dependencies: [...facts.dependencies, ...stated] };
}

/** Labels of nodes that hold tasks: their "Tasks" section's checklist is one task per item. */
const HOLDS_TASKS = new Set(['phase', 'epic', 'feature', 'story']);

/**
 * Which of a leaf draft's sources holds the checklist that becomes its tasks (-1: none): its own
 * section's; for a phase, an epic, a feature or a story, else the first of its work-list sections
 * ("### Tasks") with one. A title over Problem, Tasks and Acceptance criteria is one change, its
 * checklist the task's deliverables.
 */
function checklistSource(blueprint: BlueprintForPlan, draft: Draft): number {
  const own = draft.sources[0];
  if (own?.sectionId === blueprint.sections[draft.section]!.id && own.facts.checklist) return 0;
  if (!HOLDS_TASKS.has(draft.heading.label ?? '')) return -1;
  return draft.sources.findIndex((s) => s.facts.readAs === 'deliverables' && s.facts.checklist);
}

/**
 * The sources of a draft whose checklist (in source `listed`) became nodes, that source's facts
 * read again without the items: a path, a priority or a risk an item states is the item's, not its
 * parent's. The checklist is kept, so facts stored with the plan and reused later expand the same way.
 */
function withoutItems(
  blueprint: BlueprintForPlan,
  draft: Draft,
  listed: number,
  sectionIndex: ReadonlyMap<string, number>,
): SectionSource[] {
  const source = draft.sources[listed]!;
  const at = sectionIndex.get(source.sectionId)!;
  const section = blueprint.sections[at]!;
  const ownEnd = section.bodyEnd ?? Math.min(section.end, blueprint.sections[at + 1]?.start ?? section.end);
  let text = blueprint.text.slice(section.start, ownEnd);
  for (const item of source.facts.checklist ?? []) {
    const blank = text.slice(item.start, item.end).replace(/[^\n]/g, ' ');
    text = text.slice(0, item.start) + blank + text.slice(item.end);
  }
  const facts = extractSection(text, source.facts.readAs, section.kind !== 'preamble');
  const sources = draft.sources.slice();
  sources[listed] = { ...source, facts: { ...facts, checklist: source.facts.checklist ?? [] } };
  return sources;
}

/**
 * "Password reset, depends on login page" is the task "Password reset"; "As an agent, I want to
 * assign conversations so that nobody answers twice" is "Assign conversations".
 */
function checklistTitle(item: string): string {
  // Who an item is assigned to ("@ana Revert the retry change") is not what it asks for.
  const unassigned = item.replace(/^(@[\w.-]+[,:]?\s+)+(?=\S)/, '');
  const text = userStoryWant(unassigned) ?? trackedIssue(unassigned)?.rest ?? unassigned;
  const head = text.split(/,?\s+\(?(?:depends on|after|once|requires|blocked by|needs)\b/i)[0] ?? text;
  // A priority tag ("(P1)", "[must]") is the item's priority, said in its title: not part of it.
  return cleanTitle(head.replace(/\s*[([](P[0-4]|must|should|could)[)\]]\s*$/i, ''));
}

/** `{ number }` of the issue an item names first ("#412 Store drafts"): "blocked by #412" names it. */
function issueNumber(item: string): { number?: string } {
  const number = trackedIssue(item)?.number;
  return number === undefined ? {} : { number };
}

/**
 * An item that names the issue tracking it ("#412 Store drafts", "ABC-7 Store drafts", or the
 * issue's URL first): the issue's number, where "#412" can name it, and the words after it.
 */
function trackedIssue(item: string): { number?: string; rest: string } | undefined {
  const m = /^(?:#(\d+)|[A-Z][A-Z0-9]+-\d+|https?:\/\/\S+\/(?:issues|pull)\/(\d+)\/?)[:.]?\s+(\S.*)$/.exec(
    item,
  );
  if (!m) return undefined;
  const number = m[1] ?? m[2];
  return number === undefined ? { rest: m[3]! } : { number, rest: m[3]! };
}

/** The short name an item is referred to by: "Login page with email and password" is "Login page". */
function itemName(title: string): string {
  return title.split(/\s+(?:with|for|using|via|on|in)\s+|\s+[-–—:(]\s*/i)[0]!.trim() || title;
}

/** What step 1 settles: each section's role, and a draft node per section that is a node. */
export interface SectionLayout {
  readonly roles: readonly Role[];
  readonly drafts: Draft[];
  /** The draft each section's facts and text go to (its own as a node, or a facet's owner), else -1. */
  readonly feeds: Int32Array;
}

/** What a section's heading says of itself, read once: several rules of step 1 ask. */
interface SectionTitle {
  readonly heading: HeadingParts;
  readonly facet: FacetKind | undefined;
}

function readTitle(section: BlueprintSectionForPlan): SectionTitle {
  const { title } = section;
  let read = readTitles.get(title);
  if (read === undefined) {
    if (readTitles.size >= MAX_CACHED_TITLES) readTitles.clear();
    read = { heading: parseHeading(title), facet: facetOf(title) };
    readTitles.set(title, read);
  }
  return read;
}

/**
 * Headings already read, and titles already made node titles, by heading (as plan-kinds.ts keeps
 * plain titles): re-planning an edited blueprint reads the same ~20k headings again, ~60 ms of
 * label and facet patterns. Bounded; what they hold is never changed (a draft's `heading` is read only).
 */
const readTitles = new Map<string, SectionTitle>();
const nodeTitles = new Map<string, string>();
const MAX_CACHED_TITLES = 100_000;

/** Step 1. Roles: node, document title (one per file), preamble, or a facet absorbed by its owner node. */
const OPEN_CHECKBOX = /^ ?[-*+] \[ \] /m;

function assignRoles(
  sections: readonly BlueprintSectionForPlan[],
  sectionIndex: ReadonlyMap<string, number>,
  titles: readonly SectionTitle[],
  text: string,
): SectionLayout {
  const titleSections = documentTitles(sections, titles);
  const hasChildren = new Set<string>();
  for (const s of sections) if (s.parentId !== undefined) hasChildren.add(s.parentId);
  const roles: Role[] = [];
  const feeds = new Int32Array(sections.length).fill(-1);
  const drafts: Draft[] = [];
  sections.forEach((section, i) => {
    const parent = section.parentId === undefined ? -1 : sectionIndex.get(section.parentId)!;
    const parentRole = parent >= 0 ? roles[parent]! : undefined;
    if (titleSections.has(i)) {
      roles.push(TITLE_ROLE);
      return;
    }
    // Text before the first heading explains, unless it is the work itself: a checklist.
    if (section.kind === 'preamble' && !OPEN_CHECKBOX.test(text.slice(section.start, section.end))) {
      roles.push({ type: 'facet', facet: 'notes', owner: -1 });
      return;
    }
    if (parentRole?.type === 'facet') {
      roles.push({ type: 'facet', facet: parentRole.facet, owner: parentRole.owner });
      feeds[i] = parentRole.owner;
      return;
    }
    const { facet, heading } = titles[i]!;
    // A parent that is a facet was handled above: here `feeds` is the parent's own node, if any.
    const parentNode = parent >= 0 ? feeds[parent]! : -1;
    // A describing section (Goal, Approach) folds into the node it describes; alone at the top, or
    // grouping sub-sections of its own ("Tasks" over "Task 1", "Task 2"), it stays a node.
    const grouping = hasChildren.has(section.id) && (facet === 'description' || facet === 'deliverables');
    const folds =
      facet !== undefined &&
      !grouping &&
      !(parentNode < 0 && isWorkList(section.title)) &&
      (facet !== 'description' || (parentNode >= 0 && !drafts[parentNode]!.reference));
    if (facet && folds) {
      roles.push({ type: 'facet', facet, owner: parentNode });
      feeds[i] = parentNode;
      return;
    }
    roles.push(NODE_ROLE);
    feeds[i] = drafts.length;
    if (parentNode >= 0) drafts[parentNode]!.children++;
    const parentReference = parentNode >= 0 && drafts[parentNode]!.reference;
    drafts.push({
      section: i,
      heading,
      parent: parentNode,
      depth: parentNode >= 0 ? drafts[parentNode]!.depth + 1 : 0,
      sources: [],
      hasBody: false,
      reference: heading.label === undefined && (parentReference || isReference(heading.name)),
      body: [],
      children: 0,
      kind: 'phase',
    });
  });
  return { roles, drafts, feeds };
}

/**
 * Step 2. Facts of every section that feeds a node, own text only (up to the first subsection),
 * added to the node's sources. Returns the sources of facets that no node owns (document level).
 */
function gatherFacts(
  blueprint: BlueprintForPlan,
  { roles, drafts, feeds }: SectionLayout,
  options: PlanFromSectionsOptions,
): SectionSource[] {
  const { text, sections } = blueprint;
  const documentFacets: SectionSource[] = [];
  sections.forEach((section, i) => {
    const role = roles[i]!;
    if (role.type === 'title') return;
    const ownEnd = section.bodyEnd ?? Math.min(section.end, sections[i + 1]?.start ?? section.end);
    const facet = role.type === 'facet' && section.kind !== 'preamble' ? role.facet : undefined;
    const headed = section.kind !== 'preamble';
    const facts = factsOf(
      () => text.slice(section.start, ownEnd),
      facet,
      headed,
      options.reuseFacts?.(section),
    );
    const source: SectionSource = { sectionId: section.id, hash: section.hash, start: section.start, facts };
    if (role.type === 'node') {
      const draft = drafts[feeds[i]!]!;
      draft.sources.push(source);
      (draft as { hasBody: boolean }).hasBody = hasBody(text, section.start, ownEnd);
      draft.body.push(
        headed ? bodyText(text, section.start, ownEnd, false) : text.slice(section.start, ownEnd).trim(),
      );
    } else if (role.owner >= 0) {
      drafts[role.owner]!.sources.push(source);
      drafts[role.owner]!.body.push(bodyText(text, section.start, ownEnd, true));
    } else {
      documentFacets.push(source);
    }
  });
  return documentFacets;
}

/**
 * Per draft, the drafts it depends on, each with why (the sentence it came from, or the ordering
 * rule; the first reason found is kept). Undefined for a draft with none: an empty Map for each
 * node of a 20k-node plan is work for the collector. (The keys are the draft's `dependsOn`.)
 */
type DependencyReasons = (Map<number, string> | undefined)[];

function reasonsOf(because: DependencyReasons, draft: number): Map<number, string> {
  return (because[draft] ??= new Map<number, string>());
}

/** What step 4 finds: per draft, the drafts it depends on and the dependencies kept as notes. */
export interface DependencyEdges {
  readonly because: Readonly<DependencyReasons>;
  /** Per draft (undefined: none): what it waits on outside the plan. */
  readonly external: readonly (string[] | undefined)[];
}

/** Step 4's working state while the mentions of every source are resolved. */
interface MentionResolution {
  readonly index: ReferenceIndex;
  readonly because: DependencyReasons;
  /** The line of the text holding an offset, trimmed and bounded: why a dependency exists. */
  readonly sentenceAt: (offset: number) => string;
  readonly external: (string[] | undefined)[];
  readonly missing: MissingDependency[];
  readonly missingAt: (node: number, offset: number, reference: string) => MissingDependency;
}

/**
 * Step 4. Dependencies: every stated one resolves to a node, is kept as an external note, or is
 * missing (all missing ones are thrown together as MissingDependencyError); sibling phases named
 * as phases then run in order.
 */
function resolveDependencies(
  blueprint: BlueprintForPlan,
  planId: string,
  drafts: readonly Draft[],
  ids: readonly string[],
  documentFacets: readonly SectionSource[],
): DependencyEdges {
  const { text, sections } = blueprint;
  const resolution: MentionResolution = {
    index: referenceIndexOf(sections, drafts),
    because: drafts.map(() => undefined),
    sentenceAt: (offset) => sentenceAt(text, offset),
    external: drafts.map(() => undefined),
    missing: [],
    missingAt: (node, offset, reference) => {
      const section = sections[drafts[Math.max(node, 0)]?.section ?? 0]!;
      return {
        nodeId: node >= 0 ? ids[node]! : planId,
        nodeTitle: node >= 0 ? section.title : blueprint.blueprintId,
        sectionId: node >= 0 ? section.id : '(document)',
        reference,
        offset,
        line: 0,
      };
    },
  };
  drafts.forEach((draft, i) => {
    for (const source of draft.sources)
      for (const m of source.facts.dependencies) resolveMention(resolution, i, source, m);
  });
  for (const source of documentFacets)
    for (const m of source.facts.dependencies) resolveMention(resolution, -1, source, m);
  const { missing, external, because } = resolution;
  if (missing.length > 0) {
    const sorted = missing.sort((a, b) => a.offset - b.offset).slice(0, 20);
    throw new MissingDependencyError(sorted.map((m) => ({ ...m, line: lineOf(text, m.offset) })));
  }
  addPhaseOrder(drafts, because);
  addStepOrder(blueprint, drafts, because);
  return { external, because };
}

/** The line of `text` holding `offset`, trimmed and bounded: why a stated dependency exists. */
export function sentenceAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const nl = text.indexOf('\n', offset);
  const line = text
    .slice(start, nl < 0 ? text.length : nl)
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 280 ? `${line.slice(0, 279)}…` : line;
}

function referenceIndexOf(
  sections: readonly BlueprintSectionForPlan[],
  drafts: readonly Draft[],
): ReferenceIndex {
  const subtreeEnd = subtreeEnds(drafts);
  return new ReferenceIndex(
    drafts.map((d, i) => ({
      title: d.item ? d.item.title : sections[d.section]!.title,
      name: d.heading.name,
      label: d.heading.label,
      number: d.heading.number,
      parent: d.parent,
      subtreeEnd: subtreeEnd[i]!,
    })) satisfies IndexedNode[],
  );
}

/** One dependency mention of `source`, which feeds draft `owner` (-1: the document). */
function resolveMention(
  { index, external, missing, missingAt, because, sentenceAt }: MentionResolution,
  owner: number,
  source: SectionSource,
  mention: DependencyMention,
): void {
  let from = owner;
  if (mention.subject) {
    const subject = index.resolveSubject(mention.subject.text);
    if (subject === undefined) {
      missing.push(missingAt(owner, source.start + mention.subject.offset, mention.subject.text));
      return;
    }
    from = subject;
  }
  if (from < 0) return; // a document-level prerequisite list without a subject: nothing depends
  const depend = (on: number) => {
    const reasons = reasonsOf(because, from);
    if (!reasons.has(on)) reasons.set(on, sentenceAt(source.start + mention.offset));
  };
  if (mention.title) {
    const named = index.resolveTitle(mention.text, from);
    if (named !== undefined && named !== 'self') depend(named.node);
    return;
  }
  if (mention.clause) {
    // Free words after "after" / "depends on": a dependency only when they start with a node's title.
    const named = index.resolvePrefix(mention.text, from);
    if (named !== undefined) depend(named);
    return;
  }
  if (mention.external) {
    // Free text in a dependency list ("Depends on: User model") that is exactly a heading's title
    // names that node; anything else (a tool, a URL, another team) stays a note, never an error.
    const named = index.resolve(mention.text, from);
    if (named === 'self') return;
    if (named !== undefined) {
      depend(named.node);
      return;
    }
    const notes = (external[from] ??= []);
    if (notes.length < 50 && !notes.includes(mention.text)) notes.push(mention.text.slice(0, 300));
    return;
  }
  const resolved = index.resolve(mention.text, from);
  if (resolved === 'self') return; // a node on its own root path: containment already orders it
  if (resolved === undefined) {
    missing.push(missingAt(from, source.start + mention.offset, mention.text));
    return;
  }
  depend(resolved.node);
}

/** What a node reads of the nodes around it (its parent's, its siblings'), per draft. */
export interface NodeContext {
  readonly risks: readonly RiskLevel[];
  readonly riskReasons: readonly string[];
  readonly classes: readonly number[];
  readonly statuses: readonly PlanNodeStatus[];
  readonly titles: readonly string[];
  /** Position among its siblings, from 0. */
  readonly positions: readonly number[];
  /**
   * The commands of the document's own Validation or Verification section (no node owns it): how
   * every task that names no check of its own is checked.
   */
  readonly documentCommands: readonly (readonly string[])[];
}

/** The commands of the document-level sections read as a commands facet ("## Verification" at the top). */
function documentCommands(documentFacets: readonly SectionSource[]): readonly (readonly string[])[] {
  return mergeFacts(documentFacets.filter((s) => s.facts.readAs === 'commands')).commands;
}

/** Step 5, first half: priority class, status, title, position and risk of every draft (parents first). */
function nodeContext(
  sections: readonly BlueprintSectionForPlan[],
  drafts: readonly Draft[],
  documentCommands: readonly (readonly string[])[],
): NodeContext {
  const risks = rolledUpRisks(drafts);
  const riskReasons = riskReasonsOf(drafts, risks);
  const titles: string[] = [];
  const classes: number[] = [];
  const statuses: PlanNodeStatus[] = [];
  const positions: number[] = [];
  const siblingCount = new Map<number, number>();
  for (const draft of drafts) {
    const own = ownPriorityClass(draft);
    classes.push(own ?? (draft.parent >= 0 ? classes[draft.parent]! : PRIORITY_CLASS.unmarked));
    const itemStatus: PlanNodeStatus | undefined = draft.item?.checked ? 'done' : undefined;
    const ownStatus = itemStatus ?? draft.sources.find((s) => s.facts.status !== undefined)?.facts.status;
    const parentStatus = draft.parent >= 0 ? statuses[draft.parent] : undefined;
    statuses.push(
      ownStatus ?? (parentStatus === 'done' || parentStatus === 'dropped' ? parentStatus : 'planned'),
    );
    const position = siblingCount.get(draft.parent) ?? 0;
    siblingCount.set(draft.parent, position + 1);
    positions.push(position);
    titles.push(draft.item ? draft.item.title : nodeTitle(sections[draft.section]!.title));
  }
  return { risks, riskReasons, classes, statuses, titles, positions, documentCommands };
}

function ownPriorityClass(draft: Draft): number | undefined {
  return draft.sources.find((s) => s.facts.priorityClass !== undefined)?.facts.priorityClass;
}

/** Step 5, second half: draft `i` as the node the plan carries. */
export function plannedNode(
  i: number,
  sections: readonly BlueprintSectionForPlan[],
  sectionIndex: ReadonlyMap<string, number>,
  drafts: readonly Draft[],
  ids: readonly string[],
  { external, because }: DependencyEdges,
  context: NodeContext,
): PlannedNode {
  const draft = drafts[i]!;
  const section = sections[draft.section]!;
  const facts = mergeFacts(draft.sources);
  const priorityClass = context.classes[i]!;
  const position = context.positions[i]!;
  const parentTitle = draft.parent >= 0 ? context.titles[draft.parent]! : undefined;
  const ambiguity =
    draft.ambiguity ?? (draft.kind === 'task_spec' && isEmptyWork(facts) ? EMPTY_TASK : undefined);
  const reasons = [...(because[i] ?? [])].sort(([a], [b]) => a - b);
  return {
    id: ids[i]!,
    sectionId: section.id,
    ...(draft.parent >= 0 ? { parentId: ids[draft.parent]! } : {}),
    depth: draft.depth,
    kind: draft.kind,
    title: context.titles[i]!,
    ...(draft.heading.label !== undefined ? { label: draft.heading.label } : {}),
    ...(draft.heading.number !== undefined ? { number: draft.heading.number } : {}),
    start: draft.item ? draft.item.start : section.start,
    end: draft.item ? draft.item.end : section.end,
    priority: priorityClass * SIBLING_SPAN + Math.min(position, SIBLING_SPAN - 1),
    priorityClass,
    risk: context.risks[i]!,
    status: context.statuses[i]!,
    dependsOn: reasons.map(([d]) => ids[d]!),
    dependencyReasons: reasons.map(([d, sentence]) => ({ nodeId: ids[d]!, because: sentence })),
    externalDependencies: external[i] ?? [],
    deliverables: facts.deliverables,
    acceptanceCriteria: facts.acceptanceCriteria,
    filePaths: facts.filePaths,
    // A task that names no check of its own is checked as the document says every task is.
    commands:
      facts.commands.length === 0 && draft.kind === 'task_spec' ? context.documentCommands : facts.commands,
    wordCount: draft.sources.reduce(
      (sum, s) => sum + (sections[sectionIndex.get(s.sectionId)!]?.wordCount ?? 0),
      0,
    ),
    ...(ambiguity !== undefined ? { ambiguity } : {}),
    origin: 'rules',
    // Copied to its length: grown by `push`, it keeps room for 16 more for the plan's life.
    sources: draft.sources.slice(),
    body: capBody(draft.body),
    reasons: {
      priority: priorityReason(priorityClass, ownPriorityClass(draft) !== undefined, parentTitle, position),
      risk: context.riskReasons[i]!,
    },
  };
}

const BODY_CHARS = 4000;

/** A section's own text for a task body: without its heading line (a facet keeps its heading as a label). */
export function bodyText(text: string, start: number, ownEnd: number, keepHeading: boolean): string {
  const own = text.slice(start, ownEnd);
  const nl = own.indexOf('\n');
  const heading = nl < 0 ? own : own.slice(0, nl);
  const rest = nl < 0 ? '' : own.slice(nl + 1);
  const body = rest.replace(/^\s*(=+|-+)\s*\n/, '').trim();
  if (!keepHeading || body === '') return body;
  const label = plainTitle(heading.replace(/^\s*#+\s*/, '').replace(/\s#+\s*$/, ''));
  return `${label}:\n${body}`;
}

function capBody(parts: readonly string[]): string {
  const body = parts.filter((p) => p !== '').join('\n\n');
  return body.length > BODY_CHARS ? `${body.slice(0, BODY_CHARS - 1)}…` : body;
}

const CLASS_NAMES = ['must (P0)', 'should (P1)', 'unmarked', 'could (P2)', 'later (P3/P4)'];

function priorityReason(
  priorityClass: number,
  stated: boolean,
  parent: string | undefined,
  position: number,
): string {
  const name = CLASS_NAMES[priorityClass] ?? String(priorityClass);
  const why = stated
    ? `the section states ${name}`
    : parent !== undefined
      ? `${name}, as its parent "${parent.slice(0, 120)}"`
      : 'unmarked: no P0-P4, MoSCoW or "Priority:" stated (the default, between should and could)';
  return `${why}; ${ordinal(position + 1)} among its siblings`.slice(0, 300);
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${n % 10 > 3 ? 'th' : suffix}`;
}

/** Why each draft has its risk: stated, the signals its text carries, or a riskier node under it. */
function riskReasonsOf(drafts: readonly Draft[], risks: readonly RiskLevel[]): string[] {
  return drafts.map((d, i) => {
    const stated = d.sources.find((s) => s.facts.explicitRisk !== undefined)?.facts.explicitRisk;
    if (stated) return `the section states "Risk: ${stated}"`;
    const signals = riskSignalsOf(d.sources);
    const own = riskOf(signals);
    if (own !== risks[i]) return `${risks[i]}: a section under it is ${risks[i]} risk`;
    if (signals.size === 0)
      return 'low: no migration, auth, payments, security, deletion, protected path or breaking change mentioned';
    return `${own}: it mentions ${[...signals].sort().join(', ').replace(/_/g, ' ')}`.slice(0, 300);
  });
}

/** Each draft's risk, rolled up so an epic is as risky as its riskiest story. */
function rolledUpRisks(drafts: readonly Draft[]): RiskLevel[] {
  const risks = drafts.map((d) => ownRisk(d.sources));
  for (let i = drafts.length - 1; i >= 0; i--) {
    const parent = drafts[i]!.parent;
    if (parent >= 0 && RISK_ORDER[risks[i]!] > RISK_ORDER[risks[parent]!]) risks[parent] = risks[i]!;
  }
  return risks;
}

const EMPTY_TASK = 'a task with no deliverable, acceptance criteria, file or command';
const RISK_ORDER: Readonly<Record<RiskLevel, number>> = { low: 0, medium: 1, high: 2 };

/**
 * Sections that are a document's title rather than part of its plan: in a one-file blueprint, a lone top-level
 * heading with everything under it ("# Shop rewrite" over "## Phase 1", "## Phase 2"), unless it
 * names a level itself ("# Phase 1").
 */
function documentTitles(
  sections: readonly BlueprintSectionForPlan[],
  sectionTitles: readonly SectionTitle[],
): Set<number> {
  const topLevelByFile = new Map<string, number[]>();
  const hasChildren = new Set<string>();
  /** Whether every child of a section describes it (Context, Tasks, Acceptance criteria). */
  const onlyDescribed = new Map<string, boolean>();
  /** Sections with a child that states work: its deliverables, tasks or acceptance criteria. */
  const statesWork = new Set<string>();
  sections.forEach((s, i) => {
    if (s.parentId !== undefined) {
      hasChildren.add(s.parentId);
      const { facet, heading } = sectionTitles[i]!;
      if (facet === 'deliverables' || facet === 'criteria') statesWork.add(s.parentId);
      if (onlyDescribed.get(s.parentId) === false) return;
      onlyDescribed.set(s.parentId, facet !== undefined || isInformational(heading.name));
      return;
    }
    if (s.kind === 'preamble') return;
    const file = s.file ?? '';
    const list = topLevelByFile.get(file) ?? [];
    list.push(i);
    topLevelByFile.set(file, list);
  });
  const titles = new Set<number>();
  // A blueprint of several files keeps each file's top heading as a node: the file boundary is
  // part of the plan (issue 17 item 6).
  if (topLevelByFile.size > 1 || sections.some((s) => s.file !== undefined)) return titles;
  for (const list of topLevelByFile.values()) {
    if (list.length !== 1) continue;
    const only = list[0]!;
    const { id } = sections[only]!;
    const { heading } = sectionTitles[only]!;
    // "# Add dark mode" over Context, Tasks and Acceptance criteria is the one task, not a title;
    // so is "# Offline drafts" over Problem, Proposal and Tasks (a feature request). A README's
    // title over Overview and Background states no work and stays a title.
    const oneTask = onlyDescribed.get(id) === true && (readsAsWork(heading.name) || statesWork.has(id));
    if (!oneTask && hasChildren.has(id) && heading.label === undefined) titles.add(only);
  }
  return titles;
}

function indexSections(blueprint: BlueprintForPlan): Map<string, number> {
  const index = new Map<string, number>();
  let previousStart = -1;
  blueprint.sections.forEach((s, i) => {
    if (index.has(s.id)) throw new PlanInputError(s.id, 'appears twice');
    if (s.parentId !== undefined && !index.has(s.parentId)) {
      throw new PlanInputError(s.id, `its parent ${s.parentId} does not come before it`);
    }
    if (!(s.start <= s.end && s.end <= blueprint.text.length)) {
      throw new PlanInputError(
        s.id,
        `[${s.start}, ${s.end}) is outside the text of length ${blueprint.text.length}`,
      );
    }
    if (s.start < previousStart) throw new PlanInputError(s.id, 'sections are not in document order');
    previousStart = s.start;
    index.set(s.id, i);
  });
  return index;
}

/** True when anything but whitespace follows the heading line before the first subsection. */
export function hasBody(text: string, start: number, ownEnd: number): boolean {
  const nl = text.indexOf('\n', start);
  if (nl < 0 || nl >= ownEnd) return false;
  for (let i = nl + 1; i < ownEnd; i++) {
    const c = text.charCodeAt(i);
    // Skip whitespace and a setext underline's = and - characters.
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9 && c !== 61 && c !== 45) return true;
  }
  return false;
}

function isEmptyWork(
  facts: Pick<PlannedNode, 'deliverables' | 'acceptanceCriteria' | 'filePaths' | 'commands'>,
): boolean {
  return (
    facts.deliverables.length === 0 &&
    facts.acceptanceCriteria.length === 0 &&
    facts.filePaths.length === 0 &&
    facts.commands.length === 0
  );
}

function decideKind(draft: Draft, drafts: readonly Draft[]): void {
  const parentRank = draft.parent >= 0 ? KIND_RANK[drafts[draft.parent]!.kind] : -1;
  const label = draft.heading.label;
  if (label !== undefined) {
    draft.kind = KIND_OF_LABEL[label];
    if (KIND_RANK[draft.kind] <= parentRank && parentRank < KIND_RANK.task_spec) {
      draft.ambiguity = `named a ${draft.kind} but sits under a ${drafts[draft.parent]!.kind}`;
    }
  } else {
    draft.kind = KIND_BY_RANK[Math.min(Math.max(draft.depth, parentRank + 1), KIND_RANK.task_spec)]!;
  }
  if (draft.children > 0) return;
  // A leaf: work becomes a task; explanation and reference never do.
  const informational = label === undefined && (draft.reference || isInformational(draft.heading.name));
  if (informational) {
    if (draft.kind === 'task_spec')
      draft.kind = parentRank >= KIND_RANK.story ? draftKindAbove(drafts, draft) : 'story';
    return;
  }
  const work =
    draft.hasBody || label === 'task' || readsAsWork(draft.heading.name) || draft.sources.length > 1;
  if (work) {
    draft.kind = 'task_spec';
  } else if (draft.ambiguity === undefined) {
    draft.ambiguity = 'a section with a heading and nothing under it';
  }
}

/** An explanatory leaf under a story or a task keeps its parent's kind rather than becoming a task. */
function draftKindAbove(drafts: readonly Draft[], draft: Draft): PlanNodeKind {
  const parentKind = drafts[draft.parent]!.kind;
  return parentKind === 'task_spec' ? 'story' : parentKind;
}

function subtreeEnds(drafts: readonly Draft[]): Int32Array {
  const end = new Int32Array(drafts.length);
  for (let i = 0; i < drafts.length; i++) end[i] = i + 1;
  for (let i = drafts.length - 1; i >= 0; i--) {
    const parent = drafts[i]!.parent;
    if (parent >= 0 && end[i]! > end[parent]!) end[parent] = end[i]!;
  }
  return end;
}

/** Siblings explicitly named as phases run in order: by their numbers when all have one. */
function addPhaseOrder(drafts: readonly Draft[], because: DependencyReasons): void {
  const phasesByParent = new Map<number, number[]>();
  drafts.forEach((d, i) => {
    if (d.heading.label !== 'phase') return;
    const list = phasesByParent.get(d.parent) ?? [];
    list.push(i);
    phasesByParent.set(d.parent, list);
  });
  for (const phases of phasesByParent.values()) {
    const numbered = phases.every((p) => drafts[p]!.heading.number !== undefined);
    const ordered = numbered
      ? [...phases].sort(
          (a, b) => compareNumbering(drafts[a]!.heading.number!, drafts[b]!.heading.number!) || a - b,
        )
      : phases;
    for (let k = 1; k < ordered.length; k++) {
      const reasons = reasonsOf(because, ordered[k]!);
      if (!reasons.has(ordered[k - 1]!))
        reasons.set(ordered[k - 1]!, 'phases run in the order they are numbered');
    }
  }
}

function ownRisk(sources: readonly SectionSource[]): RiskLevel {
  const stated = sources.find((s) => s.facts.explicitRisk !== undefined)?.facts.explicitRisk;
  if (stated) return stated;
  return riskOf(riskSignalsOf(sources));
}

const NO_SIGNALS: ReadonlySet<RiskSignal> = new Set();

/** The risk signals of all the sources of a node (most have none: no set made for those). */
function riskSignalsOf(sources: readonly SectionSource[]): ReadonlySet<RiskSignal> {
  if (sources.every((s) => s.facts.riskSignals.length === 0)) return NO_SIGNALS;
  const signals = new Set<RiskSignal>();
  for (const s of sources) for (const r of s.facts.riskSignals) signals.add(r);
  return signals;
}

function mergeFacts(
  sources: readonly SectionSource[],
): Pick<PlannedNode, 'deliverables' | 'acceptanceCriteria' | 'filePaths' | 'commands'> {
  // A single source's facts are already merged: they are read, not copied.
  if (sources.length === 1) return sources[0]!.facts;
  const paths = new Set<string>();
  const commands = new Map<string, readonly string[]>();
  const deliverables: string[] = [];
  const criteria: string[] = [];
  for (const { facts } of sources) {
    deliverables.push(...facts.deliverables);
    criteria.push(...facts.acceptanceCriteria);
    for (const p of facts.filePaths) paths.add(p);
    for (const c of facts.commands) commands.set(c.join('\u0000'), c);
  }
  return {
    deliverables: deliverables.slice(0, FACT_LIMITS.deliverables),
    acceptanceCriteria: criteria.slice(0, FACT_LIMITS.criteria),
    filePaths: [...paths].slice(0, FACT_LIMITS.paths),
    commands: [...commands.values()].slice(0, FACT_LIMITS.commands),
  };
}

/** A heading as a node title: no markup or trailing punctuation, bounded by the contract (300), never empty. */
function nodeTitle(title: string): string {
  let cleaned = nodeTitles.get(title);
  if (cleaned === undefined) {
    if (nodeTitles.size >= MAX_CACHED_TITLES) nodeTitles.clear();
    cleaned = cleanTitle(title) || '(untitled section)';
    nodeTitles.set(title, cleaned);
  }
  return cleaned;
}

function cleanTitle(title: string): string {
  const t = plainTitle(title)
    .replace(/\s+/g, ' ')
    .replace(/[\s:;,.]+$/, '')
    .trim();
  return t.length > 300 ? `${t.slice(0, 299)}…` : t;
}

export const ORDER_MATTERS =
  /\b(in (this |the following |that )?order|in sequence|sequential(ly)?|one after (the )?other|one after another|order matters|step by step)\b/i;

/**
 * Numbered siblings run in order when the document says the order matters (their parent says "in
 * order" or is titled "Steps"), or when they name themselves steps ("Step 1", "Step 2").
 */
function addStepOrder(
  blueprint: BlueprintForPlan,
  drafts: readonly Draft[],
  because: DependencyReasons,
): void {
  const byParent = new Map<number, number[]>();
  drafts.forEach((d, i) => {
    if (
      d.item ||
      d.heading.number === undefined ||
      (d.heading.label !== undefined && d.heading.label !== 'task')
    )
      return;
    const list = byParent.get(d.parent) ?? [];
    list.push(i);
    byParent.set(d.parent, list);
  });
  for (const [parent, list] of byParent) {
    if (list.length < 2) continue;
    const steps = list.every((i) => /^\s*[*_]*step\b/i.test(blueprint.sections[drafts[i]!.section]!.title));
    const parentSays =
      parent >= 0 &&
      (/^steps\b/i.test(drafts[parent]!.heading.name) || ORDER_MATTERS.test(drafts[parent]!.body.join('\n')));
    if (!steps && !parentSays) continue;
    const ordered = [...list].sort(
      (a, b) => compareNumbering(drafts[a]!.heading.number!, drafts[b]!.heading.number!) || a - b,
    );
    const why = steps
      ? 'numbered steps run in order'
      : `numbered sections under "${drafts[parent]!.heading.name.slice(0, 120)}", which says they run in order`;
    for (let k = 1; k < ordered.length; k++) {
      const reasons = reasonsOf(because, ordered[k]!);
      if (!reasons.has(ordered[k - 1]!)) reasons.set(ordered[k - 1]!, why);
    }
  }
}
