import { PIVOT_TYPES, type PivotType } from '@autopilot/contracts';

/**
 * The eight pivots of an intention anchor v2: the decisions every plan, gap report and proposal is
 * checked against. PIVOT_TYPES (from the contract) is the order everywhere (anchor text, questions,
 * JSON), so the output is deterministic.
 */

export { PIVOT_TYPES, type PivotType };

/** Most statements a pivot takes from the blueprint. */
export const BLUEPRINT_STATEMENTS_PER_PIVOT = 6;

interface PivotDefinition {
  /** How the pivot is named to people and in the anchor text. */
  readonly label: string;
  /**
   * Words a section heading or a `Label:` line must contain (whole words, case-insensitive) to feed
   * this pivot. Written as regex alternatives; each is matched at word boundaries.
   */
  readonly keywords: readonly string[];
  /** Asked when nothing in the blueprint or the project inputs states the pivot. */
  readonly question: string;
}

export const PIVOTS: Readonly<Record<PivotType, PivotDefinition>> = {
  north_star: {
    label: 'North star / value',
    keywords: [
      // "Non-goals" names the scope pivot, not this one.
      '(?<!non[- ]?)goals?',
      'vision',
      'why',
      'purpose',
      'mission',
      'objectives?',
      'north star',
      'value( proposition)?',
      'motivation',
      'problem( statement)?',
    ],
    question: 'North star / value: what is this project for, and who gains what when it succeeds?',
  },
  safety: {
    label: 'Safety / risk',
    keywords: [
      'security',
      'safety',
      'risks?',
      'threats?',
      'threat model',
      'privacy',
      'compliance',
      'secrets?',
      'data protection',
      // How the work is undone when it goes wrong: what is accepted, and what must not be lost.
      'roll-?back',
      'back-?out',
      'contingency',
      'mitigations?',
    ],
    question:
      'Safety / risk: what must never happen (data loss, leaked secrets, broken production), and which risks are accepted?',
  },
  evidence: {
    label: 'Evidence / verification',
    keywords: [
      'testing',
      'tests?',
      'test (plan|strategy)',
      'acceptance( criteria)?',
      'verification',
      'validation',
      'quality( assurance)?',
      'qa',
      'definition of done',
      'success criteria',
      // The rest of the acceptance headings a task's criteria come from (plan-kinds.ts FACETS): at
      // document level ("## Done when" closing an issue) they say how the whole work is proven.
      'done when',
      'exit criteria',
      'completion criteria',
    ],
    question:
      'Evidence / verification: how is finished work proven (which tests, checks or acceptance criteria)?',
  },
  scope: {
    label: 'Scope / boundaries',
    keywords: [
      'non[- ]?goals?',
      'out of scope',
      'in scope',
      'scope',
      'boundaries',
      'constraints',
      'limitations',
    ],
    question:
      'Scope / boundaries: what is out of scope, and which parts of the repository must not be touched?',
  },
  budget: {
    label: 'Budget / cost',
    keywords: ['budgets?', 'costs?', 'spend(ing)?', 'pricing'],
    question:
      'Budget / cost: how much may be spent (per run, per day, per week), and what happens at the cap?',
  },
  memory: {
    label: 'Memory / continuity',
    keywords: [
      'memory',
      'continuity',
      'hand-?offs?',
      'decision (log|records?)',
      'adrs?',
      'knowledge( base)?',
      'lessons learned',
      'conventions',
    ],
    question:
      'Memory / continuity: what must be remembered between runs (decisions, conventions, hand-off notes), and where?',
  },
  governance: {
    label: 'Governance / review',
    keywords: [
      'reviews?',
      'code review',
      'approvals?',
      'governance',
      'sign-?off',
      'ownership',
      'owners',
      'release process',
      'change management',
    ],
    question:
      'Governance / review: who reviews and approves changes, and which actions always need a person?',
  },
  parallelism: {
    label: 'Parallelism / isolation',
    keywords: [
      'concurrency',
      'concurrent',
      'parallel(ism)?',
      'isolation',
      'isolated',
      'locking',
      'contention',
      'worktrees?',
    ],
    question: 'Parallelism / isolation: how much work may run at once, and how is it kept from colliding?',
  },
};

const keywordPatterns: ReadonlyArray<readonly [PivotType, RegExp]> = PIVOT_TYPES.map((type) => [
  type,
  new RegExp(`(?:^|[^a-z0-9])(?:${PIVOTS[type].keywords.join('|')})(?:$|[^a-z0-9])`, 'i'),
]);

/**
 * Past this many words a heading is a sentence, not the name of a section: a document titled "Plans
 * an agent can act on: tasks with meaning, scope, checks and order" is not its scope statement.
 */
const PIVOT_HEADING_MAX_WORDS = 10;

/** The pivots whose keywords a heading (or label) names, in pivot order; empty when none. */
export function pivotsNamedBy(heading: string): PivotType[] {
  // Headings are short, but a pathological one could be long; the keyword sits near the start.
  const head = heading.length > 200 ? heading.slice(0, 200) : heading;
  if (head.split(/\s+/, PIVOT_HEADING_MAX_WORDS + 2).filter(Boolean).length > PIVOT_HEADING_MAX_WORDS)
    return [];
  const found: PivotType[] = [];
  for (const [type, pattern] of keywordPatterns) if (pattern.test(head)) found.push(type);
  return found;
}
