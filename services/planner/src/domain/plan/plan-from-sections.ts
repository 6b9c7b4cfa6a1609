import type { PlanNodeKind, PlanNodeStatus, RiskLevel } from '@autopilot/contracts';
import { extractSection, FACT_LIMITS, type SectionFacts } from '../section-facts/extract-section';
import type { DependencyMention } from '../section-facts/extract-references';
import { riskOf, PRIORITY_CLASS, type RiskSignal } from '../section-facts/extract-signals';
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
  compareNumbering,
  facetOf,
  isInformational,
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
 *   sibling phases named as phases run in order (phase N+1 depends on phase N).
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
type Role = { type: 'node' } | { type: 'title' } | { type: 'facet'; facet: FacetKind; owner: number };

interface Draft {
  readonly section: number;
  readonly heading: HeadingParts;
  readonly parent: number;
  readonly depth: number;
  readonly sources: SectionSource[];
  readonly hasBody: boolean;
  children: number;
  kind: PlanNodeKind;
  ambiguity?: string;
}

export function planFromSections(
  blueprint: BlueprintForPlan,
  options: PlanFromSectionsOptions = {},
): PlanGraph {
  const planId = planIdFor(blueprint.projectId, blueprint.blueprintId);
  const sectionIndex = indexSections(blueprint);
  const layout = assignRoles(blueprint.sections, sectionIndex);
  const documentFacets = gatherFacts(blueprint, layout, options);
  // Step 3, kinds: parents come first in document order, so each is decided after its parent.
  for (const draft of layout.drafts) decideKind(draft, layout.drafts);
  const ids = layout.drafts.map((d) => planNodeIdFor(planId, blueprint.sections[d.section]!.id));
  const edges = resolveDependencies(blueprint, planId, layout.drafts, ids, documentFacets);
  return {
    planId,
    projectId: blueprint.projectId,
    blueprintId: blueprint.blueprintId,
    blueprintVersion: blueprint.version,
    nodes: plannedNodes(blueprint.sections, sectionIndex, layout.drafts, ids, edges),
  };
}

/** What step 1 settles: each section's role, and a draft node per section that is a node. */
interface SectionLayout {
  readonly roles: readonly Role[];
  readonly drafts: Draft[];
  /** The draft of each section that is a node, else -1. */
  readonly nodeOfSection: Int32Array;
}

/** Step 1. Roles: node, document title (one per file), preamble, or a facet absorbed by its owner node. */
function assignRoles(
  sections: readonly BlueprintSectionForPlan[],
  sectionIndex: ReadonlyMap<string, number>,
): SectionLayout {
  const titleSections = documentTitles(sections, sectionIndex);
  const roles: Role[] = [];
  const nodeOfSection = new Int32Array(sections.length).fill(-1);
  const drafts: Draft[] = [];
  sections.forEach((section, i) => {
    const parent = section.parentId === undefined ? -1 : sectionIndex.get(section.parentId)!;
    const parentRole = parent >= 0 ? roles[parent]! : undefined;
    if (titleSections.has(i)) {
      roles.push({ type: 'title' });
      return;
    }
    if (section.kind === 'preamble') {
      roles.push({ type: 'facet', facet: 'notes', owner: -1 });
      return;
    }
    if (parentRole?.type === 'facet') {
      roles.push({ type: 'facet', facet: parentRole.facet, owner: parentRole.owner });
      return;
    }
    const facet = facetOf(section.title);
    if (facet) {
      roles.push({ type: 'facet', facet, owner: parent >= 0 ? nodeOfSection[parent]! : -1 });
      return;
    }
    roles.push({ type: 'node' });
    const parentNode = parent >= 0 ? nodeOfSection[parent]! : -1;
    nodeOfSection[i] = drafts.length;
    if (parentNode >= 0) drafts[parentNode]!.children++;
    drafts.push({
      section: i,
      heading: parseHeading(section.title),
      parent: parentNode,
      depth: parentNode >= 0 ? drafts[parentNode]!.depth + 1 : 0,
      sources: [],
      hasBody: false,
      children: 0,
      kind: 'phase',
    });
  });
  return { roles, drafts, nodeOfSection };
}

/**
 * Step 2. Facts of every section that feeds a node, own text only (up to the first subsection),
 * added to the node's sources. Returns the sources of facets that no node owns (document level).
 */
function gatherFacts(
  blueprint: BlueprintForPlan,
  { roles, drafts, nodeOfSection }: SectionLayout,
  options: PlanFromSectionsOptions,
): SectionSource[] {
  const { text, sections } = blueprint;
  const documentFacets: SectionSource[] = [];
  sections.forEach((section, i) => {
    const role = roles[i]!;
    if (role.type === 'title') return;
    const ownEnd = section.bodyEnd ?? Math.min(section.end, sections[i + 1]?.start ?? section.end);
    const facet = role.type === 'facet' && section.kind !== 'preamble' ? role.facet : undefined;
    const facts = options.reuseFacts?.(section) ?? extractSection(text.slice(section.start, ownEnd), facet);
    const source: SectionSource = { sectionId: section.id, hash: section.hash, start: section.start, facts };
    if (role.type === 'node') {
      const draft = drafts[nodeOfSection[i]!]!;
      draft.sources.push(source);
      (draft as { hasBody: boolean }).hasBody = hasBody(text, section.start, ownEnd);
    } else if (role.owner >= 0) {
      drafts[role.owner]!.sources.push(source);
    } else {
      documentFacets.push(source);
    }
  });
  return documentFacets;
}

/** What step 4 finds: per draft, the drafts it depends on and the dependencies kept as notes. */
interface DependencyEdges {
  readonly dependsOn: readonly Set<number>[];
  readonly external: readonly string[][];
}

/** Step 4's working state while the mentions of every source are resolved. */
interface MentionResolution {
  readonly index: ReferenceIndex;
  readonly dependsOn: Set<number>[];
  readonly external: string[][];
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
    dependsOn: drafts.map(() => new Set<number>()),
    external: drafts.map(() => []),
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
  const { missing, dependsOn, external } = resolution;
  if (missing.length > 0) {
    const sorted = missing.sort((a, b) => a.offset - b.offset).slice(0, 20);
    throw new MissingDependencyError(sorted.map((m) => ({ ...m, line: lineOf(text, m.offset) })));
  }
  addPhaseOrder(drafts, dependsOn);
  return { dependsOn, external };
}

function referenceIndexOf(
  sections: readonly BlueprintSectionForPlan[],
  drafts: readonly Draft[],
): ReferenceIndex {
  const subtreeEnd = subtreeEnds(drafts);
  return new ReferenceIndex(
    drafts.map((d, i) => ({
      title: sections[d.section]!.title,
      name: d.heading.name,
      ...(d.heading.label !== undefined ? { label: d.heading.label } : {}),
      ...(d.heading.number !== undefined ? { number: d.heading.number } : {}),
      parent: d.parent,
      subtreeEnd: subtreeEnd[i]!,
    })) satisfies IndexedNode[],
  );
}

/** One dependency mention of `source`, which feeds draft `owner` (-1: the document). */
function resolveMention(
  { index, dependsOn, external, missing, missingAt }: MentionResolution,
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
  if (mention.external) {
    // Free text in a dependency list ("Depends on: User model") that is exactly a heading's title
    // names that node; anything else (a tool, a URL, another team) stays a note, never an error.
    const named = index.resolve(mention.text, from);
    if (named === 'self') return;
    if (named !== undefined) {
      dependsOn[from]!.add(named.node);
      return;
    }
    if (external[from]!.length < 50 && !external[from]!.includes(mention.text)) {
      external[from]!.push(mention.text.slice(0, 300));
    }
    return;
  }
  const resolved = index.resolve(mention.text, from);
  if (resolved === 'self') return; // a node on its own root path: containment already orders it
  if (resolved === undefined) {
    missing.push(missingAt(from, source.start + mention.offset, mention.text));
    return;
  }
  dependsOn[from]!.add(resolved.node);
}

/** Step 5. Priority, status and risk, then each draft as the node the plan carries. */
function plannedNodes(
  sections: readonly BlueprintSectionForPlan[],
  sectionIndex: ReadonlyMap<string, number>,
  drafts: readonly Draft[],
  ids: readonly string[],
  { dependsOn, external }: DependencyEdges,
): PlannedNode[] {
  const risks = rolledUpRisks(drafts);
  const classes: number[] = [];
  const statuses: PlanNodeStatus[] = [];
  const siblingCount = new Map<number, number>();
  return drafts.map((draft, i) => {
    const section = sections[draft.section]!;
    const facts = mergeFacts(draft.sources);
    const own = draft.sources.find((s) => s.facts.priorityClass !== undefined)?.facts.priorityClass;
    const priorityClass = own ?? (draft.parent >= 0 ? classes[draft.parent]! : PRIORITY_CLASS.unmarked);
    classes.push(priorityClass);
    const ownStatus = draft.sources.find((s) => s.facts.status !== undefined)?.facts.status;
    const parentStatus = draft.parent >= 0 ? statuses[draft.parent] : undefined;
    const status: PlanNodeStatus =
      ownStatus ?? (parentStatus === 'done' || parentStatus === 'dropped' ? parentStatus : 'planned');
    statuses.push(status);
    const position = siblingCount.get(draft.parent) ?? 0;
    siblingCount.set(draft.parent, position + 1);
    const ambiguity =
      draft.ambiguity ?? (draft.kind === 'task_spec' && isEmptyWork(facts) ? EMPTY_TASK : undefined);
    return {
      id: ids[i]!,
      sectionId: section.id,
      ...(draft.parent >= 0 ? { parentId: ids[draft.parent]! } : {}),
      depth: draft.depth,
      kind: draft.kind,
      title: nodeTitle(section.title),
      ...(draft.heading.label !== undefined ? { label: draft.heading.label } : {}),
      ...(draft.heading.number !== undefined ? { number: draft.heading.number } : {}),
      start: section.start,
      end: section.end,
      priority: priorityClass * SIBLING_SPAN + Math.min(position, SIBLING_SPAN - 1),
      priorityClass,
      risk: risks[i]!,
      status,
      dependsOn: [...dependsOn[i]!].sort((a, b) => a - b).map((d) => ids[d]!),
      externalDependencies: external[i]!,
      ...facts,
      wordCount: draft.sources.reduce(
        (sum, s) => sum + (sections[sectionIndex.get(s.sectionId)!]?.wordCount ?? 0),
        0,
      ),
      ...(ambiguity !== undefined ? { ambiguity } : {}),
      origin: 'rules',
      sources: draft.sources,
    };
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
 * Sections that are a document's title rather than part of its plan: per file, a lone top-level
 * heading with everything under it ("# Shop rewrite" over "## Phase 1", "## Phase 2"), unless it
 * names a level itself ("# Phase 1").
 */
function documentTitles(
  sections: readonly BlueprintSectionForPlan[],
  sectionIndex: ReadonlyMap<string, number>,
): Set<number> {
  const topLevelByFile = new Map<string, number[]>();
  const hasChildren = new Set<string>();
  sections.forEach((s, i) => {
    if (s.parentId !== undefined) {
      hasChildren.add(s.parentId);
      return;
    }
    if (s.kind === 'preamble') return;
    const file = s.file ?? '';
    const list = topLevelByFile.get(file) ?? [];
    list.push(i);
    topLevelByFile.set(file, list);
  });
  const titles = new Set<number>();
  for (const list of topLevelByFile.values()) {
    const only = list.length === 1 ? sections[list[0]!] : undefined;
    if (only && hasChildren.has(only.id) && parseHeading(only.title).label === undefined) {
      titles.add(sectionIndex.get(only.id)!);
    }
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
function hasBody(text: string, start: number, ownEnd: number): boolean {
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
  // A leaf: work becomes a task; explanation never does.
  const informational = label === undefined && isInformational(draft.heading.name);
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
function addPhaseOrder(drafts: readonly Draft[], dependsOn: Set<number>[]): void {
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
    for (let k = 1; k < ordered.length; k++) dependsOn[ordered[k]!]!.add(ordered[k - 1]!);
  }
}

function ownRisk(sources: readonly SectionSource[]): RiskLevel {
  const stated = sources.find((s) => s.facts.explicitRisk !== undefined)?.facts.explicitRisk;
  if (stated) return stated;
  const signals = new Set<RiskSignal>();
  for (const s of sources) for (const r of s.facts.riskSignals) signals.add(r);
  return riskOf(signals);
}

function mergeFacts(
  sources: readonly SectionSource[],
): Pick<PlannedNode, 'deliverables' | 'acceptanceCriteria' | 'filePaths' | 'commands'> {
  if (sources.length === 1) {
    const f = sources[0]!.facts;
    return {
      deliverables: f.deliverables,
      acceptanceCriteria: f.acceptanceCriteria,
      filePaths: f.filePaths,
      commands: f.commands,
    };
  }
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

/** A heading as a node title: bounded by the contract (300), never empty. */
function nodeTitle(title: string): string {
  const t = title.replace(/\s+/g, ' ').trim();
  if (t === '') return '(untitled section)';
  return t.length > 300 ? `${t.slice(0, 299)}…` : t;
}
