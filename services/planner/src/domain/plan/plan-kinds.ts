import type { PlanNodeKind } from '@autopilot/contracts';

/**
 * What a heading says about itself: the explicit naming rules of the plan graph. Real planning
 * documents name their levels ("Phase 2: API", "Story 3.1 — Login", "Epic: Payments", "1.2.3 Add
 * endpoint"); where they do, that wins over depth.
 */

/** The level words a heading may start with, as written (synonyms folded). */
export type NodeLabel = 'phase' | 'epic' | 'feature' | 'story' | 'task';

export const KIND_RANK: Readonly<Record<PlanNodeKind, number>> = {
  phase: 0,
  epic: 1,
  feature: 2,
  story: 3,
  task_spec: 4,
};
export const KIND_BY_RANK: readonly PlanNodeKind[] = ['phase', 'epic', 'feature', 'story', 'task_spec'];

export const KIND_OF_LABEL: Readonly<Record<NodeLabel, PlanNodeKind>> = {
  phase: 'phase',
  epic: 'epic',
  feature: 'feature',
  story: 'story',
  task: 'task_spec',
};

const LABEL_SYNONYMS: Readonly<Record<string, NodeLabel>> = {
  phase: 'phase',
  stage: 'phase',
  milestone: 'phase',
  epic: 'epic',
  feature: 'feature',
  capability: 'feature',
  story: 'story',
  'user story': 'story',
  task: 'task',
  subtask: 'task',
  'sub-task': 'task',
  step: 'task',
  ticket: 'task',
};

const LABEL_WORDS =
  'user story|sub-task|subtask|phase|stage|milestone|epic|feature|capability|story|task|step|ticket';
const NUMBER = '\\d+(?:\\.\\d+)*';
// A label counts only when a number, a separator or the end of the title follows it: "Feature: X",
// "Story 3.1 Login", "Epic" — never "Feature flags for checkout" or "Stage lighting".
const LABELLED = new RegExp(
  `^(${LABEL_WORDS})(?:\\s*#?(${NUMBER})[a-z]?(?=[\\s:.)\\-–—]|$))?\\s*([:.)\\-–—]\\s*)?(.*)$`,
  'i',
);
const NUMBERED = new RegExp(`^(${NUMBER})[.)]?\\s+(.*)$`);

/** A heading's explicit parts. `name` is the title without its label and number. */
export interface HeadingParts {
  readonly label?: NodeLabel;
  readonly number?: string;
  readonly name: string;
}

/**
 * Strips emphasis, code ticks, links' brackets, images (badges), HTML tags and entities:
 * `**Story 1**` reads as `Story 1`, `better-sqlite3 [![Build Status](…)](…)` as `better-sqlite3`.
 */
export function plainTitle(title: string): string {
  let plain = plainTitles.get(title);
  if (plain === undefined) {
    // Bounded: a plan's titles are read several times each while planning, then dropped.
    if (plainTitles.size >= MAX_PLAIN_TITLES) plainTitles.clear();
    plain = stripMarkup(title);
    plainTitles.set(title, plain);
  }
  return plain;
}

/**
 * Titles already made plain: every node's title goes through `plainTitle` from several rules
 * (roles, labels, dependency references, the anchor), ~100k calls for a 20k-heading blueprint.
 */
const plainTitles = new Map<string, string>();
const MAX_PLAIN_TITLES = 100_000;

/**
 * What `stripMarkup` could change: a markup character, whitespace other than a single space, or
 * whitespace at either end. Most titles have none ("Story 1.2: Login") and are already plain.
 */
const MAYBE_MARKUP = /[!<&[*_`~]|[^\S ]| {2}|^ | $/;

function stripMarkup(title: string): string {
  if (!MAYBE_MARKUP.test(title)) return title;
  return title
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/<[^>]*>/g, '')
    .replace(/&#?\w+;/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[\s*\]/g, '')
    .replace(/[*_`~]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseHeading(title: string): HeadingParts {
  const plain = plainTitle(title);
  const labelled = LABELLED.exec(plain);
  if (labelled) {
    const [, word = '', number, separator, rest = ''] = labelled;
    if (number !== undefined || separator !== undefined || rest === '') {
      const label = LABEL_SYNONYMS[word.toLowerCase()];
      const name = rest.trim() || plain;
      if (label) return number !== undefined ? { label, number, name } : { label, name };
    }
  }
  const numbered = NUMBERED.exec(plain);
  if (numbered) return { number: numbered[1] ?? '', name: (numbered[2] ?? '').trim() || plain };
  return { name: plain };
}

/**
 * What a sub-heading contributes to its parent node instead of becoming a node itself.
 * `description`: a section that describes its parent's work (Goal, Approach, Scope): its text is
 * part of the parent task's body, never a task of its own (issue 17 item 11).
 */
export type FacetKind =
  'criteria' | 'deliverables' | 'dependencies' | 'files' | 'commands' | 'notes' | 'description';

const FACETS: readonly [RegExp, FacetKind][] = [
  [
    /^(acceptance criteria|acceptance|done when|definition of done|dod|exit criteria|success criteria|completion criteria|expected (behaviou?rs?|results?|outcomes?))$/,
    'criteria',
  ],
  [
    /^(deliverables?|outputs?|artifacts?|work items|tasks|to ?do|what to do|changes|proposed changes)$/,
    'deliverables',
  ],
  [/^(dependencies|depends on|prerequisites?|blocked by|requires|ordering)$/, 'dependencies'],
  [
    /^(files|files to (change|touch|create|edit|modify|add)|files (touched|affected|changed)|(affected|changed|modified|new|critical|key|relevant) files|paths|code locations?)$/,
    'files',
  ],
  [
    /^(commands|validation|verification|how to verify|how to validate|checks|test commands|testing|how to test|test plan)$/,
    'commands',
  ],
  [/^(notes|implementation notes|technical notes|details|remarks|hints)$/, 'notes'],
  // How to undo the work and what could go wrong with it: what a person doing the work reads, not
  // work of its own (an RFC's "Rollback plan" and "Risks and mitigations" were tasks).
  [
    /^(roll-?back|rollback (plan|procedure|steps|strategy)|back-?out( plan)?|revert plan|contingency( plan)?|(known )?risks|risks? (and|&) mitigations?|mitigations?|risk assessment)$/,
    'notes',
  ],
  [
    /^(goals?|approach|proposed approach|plan of attack|how|what|why|scope|in scope|context|background|rationale|design|technical design|implementation|steps|work|description|summary|problem( statement)?|proposal|proposed (solution|design)|solution)$/,
    'description',
  ],
  // A bug report's sections describe the one fix it asks for; its "Expected behavior" is that fix's
  // acceptance criteria (above).
  [
    /^(describe the bug|bug description|bug report|the bug|(steps|how) to reproduce|to reproduce|reproduction( steps)?|repro( steps)?|actual (behaviou?rs?|results?)|observed behaviou?rs?|environment|system info(rmation)?|additional (context|information)|screenshots?( or logs)?|stack ?traces?|error output|workaround|possible (fix|cause)|suggested fix)$/,
    'description',
  ],
];

/**
 * A heading that lists the work itself ("Tasks", "Todo"): under a node it is that node's
 * deliverables; on its own it is a node whose items are the work.
 */
export function isWorkList(title: string): boolean {
  return /^(tasks|to ?do|what to do|changes|proposed changes)$/.test(
    plainTitle(title)
      .toLowerCase()
      .replace(/[:.]+$/, '')
      .trim(),
  );
}

/** The facet a heading names ("Acceptance criteria", "Depends on:"), if any. */
export function facetOf(title: string): FacetKind | undefined {
  const normal = plainTitle(title)
    .toLowerCase()
    .replace(/[:.]+$/, '')
    .trim();
  for (const [pattern, facet] of FACETS) if (pattern.test(normal)) return facet;
  return undefined;
}

/**
 * A heading's section names, split where a heading joins two ("Goals and non-goals", "License &
 * credits"), each without a trailing parenthetical, colon clause or punctuation ("License (MIT)",
 * "Install: npm"). `name` is lowercased.
 */
function sectionNames(name: string): string[] {
  return name
    .split(/\s+(?:and|&)\s+|\s*[,/]\s*/)
    .map((part) =>
      part
        .replace(/\s*\([^)]*\)\s*$/, '')
        .replace(/\s*:.*$/, '')
        .replace(/[.!]+$/, '')
        .trim(),
    )
    .filter((part) => part !== '');
}

/** Section names a heading may start with (`leading`), or be on its own (`whole`). */
interface SectionVocabulary {
  readonly leading: RegExp;
  readonly whole: RegExp;
  /** Either, at the start: a heading that fails it is no such section (most headings, cheaply). */
  readonly start: RegExp;
}

function vocabulary({ source: leading }: RegExp, { source: whole }: RegExp): SectionVocabulary {
  return {
    leading: new RegExp(`^(${leading})\\b`),
    whole: new RegExp(`^(${whole})$`),
    start: new RegExp(`^(${leading}|${whole})\\b`),
  };
}

/**
 * Whether a heading starts with a `leading` name ("Installation and setup"), or every name it joins
 * is a `whole` one or starts with a `leading` one ("Goals and non-goals"). Words that also name
 * features ("Support", "Status", "Background", "Usage", "Examples") count only alone: "Support for
 * SSO", "Status page", "Background jobs", "Usage-based billing" and "Examples gallery" are work, not
 * a README's Support or a design note's Background.
 */
function namedAs(name: string, { leading, whole, start }: SectionVocabulary): boolean {
  const lower = name.toLowerCase().trim();
  if (!start.test(lower)) return false;
  if (leading.test(lower)) return true;
  const names = sectionNames(lower);
  return names.length > 0 && names.every((n) => leading.test(n) || whole.test(n));
}

const INFORMATIONAL = vocabulary(
  /what was seen|observations?|findings|current (state|behaviou?r)|drawbacks|alternatives( considered)?|unresolved questions|prior art|future (work|possibilities)|rejected (ideas|alternatives)|executive summary|non[- ]goals|out of scope|glossary|terminology|appendix|faq|open questions|assumptions|motivation|problem( statement)?|table of contents|changelog|revision history|stakeholders/,
  /overview|introduction|intro|background|context|summary|goals?|definitions|references|questions|risks|contents|toc|vision|principles|constraints|about|purpose|audience|timeline|schedule|milestones|status|approach|proposed approach|plan of attack|rationale|attendees|participants|agenda|discussion|decisions/,
);

const REFERENCE = vocabulary(
  /licen[cs]e|copyright|sponsors?|backers?|donat\w*|funding|support (this|the) project|help this project|badges?|acknowledge?ments?|contributors|contributing|contribute|how to contribute|code of conduct|maintainers|authors?|getting help|where to (ask|get) help|faq|frequently asked questions|questions and answers|changelog|change log|release notes|release history|semantic versioning|version support|supported (node(\.js)? )?versions|supported platforms|installation|installing|getting started|quick ?start|api reference|documentation|further reading|see also|related (projects|packages)|table of contents|security policy|reporting (security )?(issues|vulnerabilities)|filing issues|system dependencies|migrating from/,
  /credits|thanks|(the )?team|community|support|help|releases|versioning|compatibility|install|usage|basic usage|examples?|usage examples|demo|docs|links|alternatives|upgrading|runtimes|essentials|description/,
);

/**
 * Sections a README or guide holds for its readers, not work for a project (issue 17 item 1):
 * licence, sponsors, badges, FAQ, changelog, install and usage instructions. A question ("Does
 * ESLint support JSX?") is an FAQ entry wherever it sits. Nothing under one of these is work
 * unless it names itself a phase, story or task.
 */
export function isReference(name: string): boolean {
  return namedAs(name, REFERENCE) || name.trim().endsWith('?');
}

const PLAN_TITLE =
  /\b(roadmap|plan|todo|to-do|to do|backlog|milestones?|tasks|work items|next steps|implementation|detailed design|proposal|rfc|rollout|steps|sprint|checklist|deliverables|migration plan)\b/;

/** A heading that announces a plan ("Roadmap", "Implementation plan", "RFC 42: …", "Sprint 14"). */
export function announcesPlan(name: string): boolean {
  return PLAN_TITLE.test(name.toLowerCase());
}

/** Sections that explain rather than ask for work: they never become tasks. */
export function isInformational(name: string): boolean {
  return namedAs(name, INFORMATIONAL);
}

const IMPERATIVE =
  /^(add|implement|create|build|write|fix|update|remove|delete|drop|migrate|refactor|test|document|set ?up|configure|deploy|integrate|support|enable|introduce|extract|move|rename|replace|wire|expose|persist|store|validate|handle|ship|port|upgrade|bump|publish|release|define|design|generate|scaffold|install|provision|seed|make|allow|let|ensure|render|show|send|emit|parse|load|save|cache|index|log|trace|record|track|limit|check|verify|run|automate|split|merge|convert|rewrite|clean|prune|harden|secure|encrypt|optimi[sz]e|speed up|measure|benchmark)\b/;

/** A title that reads as an instruction ("Add login endpoint"): a sign of doable work. */
export function readsAsWork(name: string): boolean {
  return IMPERATIVE.test(name.toLowerCase());
}

/** Orders dotted numbers numerically: 1.2 < 1.10 < 2. */
export function compareNumbering(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = Number(pa[i] ?? -1) - Number(pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** The label words written in references ("Story 1.2", "after Phase 1"), folded like headings. */
export function labelOf(word: string): NodeLabel | undefined {
  return LABEL_SYNONYMS[word.toLowerCase()];
}
export const REFERENCE_LABEL_WORDS = LABEL_WORDS;
