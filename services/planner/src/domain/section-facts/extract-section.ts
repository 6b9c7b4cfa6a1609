import type { PlanNodeStatus, RiskLevel } from '@autopilot/contracts';
import { commandInSpan, commandsInLine, isPromptFence, isShellFence } from './extract-commands';
import { pathIn } from './extract-paths';
import { mentionsInProse, namesReference, statedItems, type DependencyMention } from './extract-references';
import {
  explicitRiskIn,
  isProtectedPath,
  moscowHeading,
  priorityIn,
  PRIORITY_CLASS,
  riskSignalsIn,
  statusIn,
  statusInTitle,
  type RiskSignal,
} from './extract-signals';
import { facetOf, plainTitle, type FacetKind } from '../plan/plan-kinds';
import { isUserStory } from './user-story';

/**
 * The rules' reading of one section's own text (its heading line up to its first subsection): what
 * it delivers, how to tell it is done, which files and commands it names, what it depends on, and
 * its priority, status and risk signals. One pass over the lines, no regex over the whole text.
 *
 * Why a line scanner and not the markdown lexer again: ingestion already split the blueprint with
 * `marked`, so a section's own text holds no real heading; what is left to find (fences, list items,
 * tables, labels) is line-shaped, and lexing 3 MB a second time would cost a third of the budget.
 * Fences are honoured as CommonMark defines them, so a fake heading or a "depends on" inside a code
 * sample is code.
 */
export interface SectionFacts {
  readonly deliverables: readonly string[];
  readonly acceptanceCriteria: readonly string[];
  /** Repository-relative paths as written (directories end with `/`). */
  readonly filePaths: readonly string[];
  readonly commands: readonly (readonly string[])[];
  readonly dependencies: readonly DependencyMention[];
  readonly riskSignals: readonly RiskSignal[];
  readonly explicitRisk?: RiskLevel;
  readonly priorityClass?: number;
  readonly status?: PlanNodeStatus;
  /**
   * The section's own top-level checklist (`- [ ] Login page`, or a list of user stories), outside
   * any label: a document whose work is a checklist gets one task per item (issue 17 item 9).
   * Offsets are relative to the section.
   */
  readonly checklist?: readonly ChecklistItem[];
  /**
   * Criteria the text states as such (under an acceptance label or heading, an "Expected behavior",
   * as Given/When/Then or in a criteria column), not only ticked checkboxes, which a README's feature
   * list has too: a sign the document asks for work.
   */
  readonly statesCriteria?: true;
  /**
   * The facet the section was read as (absent: a node of its own). A section's role follows its
   * neighbours too (a sibling "## Acceptance criteria" makes "## Proposal" describe the document's
   * one task), and list items read as a facet are not deliverables: facts stored under one role are
   * never reused under another (factsOf).
   */
  readonly readAs?: FacetKind;
}

export interface ChecklistItem {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly checked: boolean;
  /**
   * A work table's row (`| 2 | Map plans to prices | Ben | 1 |`): what its dependency column states,
   * offsets relative to the section. `item` is set where the cell names another row of the same table
   * by its id ("1"): the index of that row's item in the section's checklist.
   */
  readonly dependsOn?: readonly (DependencyMention & { readonly item?: number })[];
  /** A work table's row: its other cells ("Owner: Ben", "Estimate: 1d"), for the task's body. */
  readonly details?: readonly string[];
}

/** Caps that keep one pathological section from filling a task spec (its schema bounds these lists). */
/**
 * The version of the rules `extractSection` applies. Stored facts are reused for unchanged sections
 * only when they came from the same rules: a planner with new rules re-reads every section once.
 * Raise it whenever a change to the extraction can change its output.
 */
// 3 (issue 13): facts come from the redacted blueprint (plan-redaction.ts); facts stored by 2 may
// quote a secret and are re-read. Raise it with SECRET_RULES_VERSION too, for the same reason.
// 4 (issue 17): checklists, scope only from paths presented as work, description facets.
// 5: user stories in a list are checklist items.
// 6: the rows of a work-breakdown table and the items a MoSCoW heading lists are checklist items, a
// checklist item holds its sub-items, a "Tasks" section keeps its checklist; a paragraph of a
// criteria section is a criterion.
export const SECTION_FACTS_VERSION = 6;

export const FACT_LIMITS = {
  deliverables: 100,
  criteria: 100,
  paths: 500,
  commands: 50,
  dependencies: 200,
  itemChars: 2000,
} as const;

const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})\s*([^\s`{]*)/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(?:\[([ xX])\]\s+)?(.*)$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const THEMATIC_BREAK = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const SETEXT_UNDERLINE = /^\s{0,3}(=+|-+)\s*$/;
const GIVEN_WHEN_THEN = /^(given|when|then|and|but)\b/i;
/**
 * A document title that says the document is a plan ("Launch plan", "Roadmap 2027", "TODO",
 * "Plan: rate limits"), not one that only holds the word ("Todo app", "Planner service").
 */
const NAMES_A_PLAN =
  /^(plan|roadmap)\s*:|\b(plan|roadmap|todo|to-do|to do|to-?do list|backlog|checklist|next steps|rollout|tasks)(\s+(q[1-4]\s+)?\d{4})?$/i;
/** A whole scenario, Given to Then: prose says "Given these conditions, …" too. */
const isScenario = (text: string): boolean => /^given\b/i.test(text) && /\bthen\b/i.test(text);
const CODE_SPAN = /(`+)([^`]+?)\1/g;
/**
 * A table of work (a work breakdown): a column naming the work ("Task", "Work item", "Story") beside
 * one only a plan has (an owner, an estimate, a status, what a row depends on). A README's
 * "| Task | Description |" has no such column and stays prose.
 */
const WORK_COLUMN = /^(tasks?|work items?|action items?|to ?dos?|(user )?stor(y|ies)|deliverables?)$/;
const PLANNING_COLUMN =
  /^(owners?|assignees?|assigned to|who|estimates?|effort|points|story points|size|status|state|done|priority|due|due date|deadline|target( date)?|eta|sprint|milestone)$/;
/** A column of row ids ("#", "ID"), by which the dependency column names other rows. */
const ROW_ID_COLUMN = /^(#|id|no\.?|nr\.?|number|ref|key)$/;
const STATUS_COLUMN = /^(status|state|done)$/;
/** A status cell that says the row's work is finished: the item is done, as a ticked checkbox. */
const DONE_CELL = /^(done|complete|completed|finished|shipped|merged|closed|resolved|yes|\[x\]|✅|✔️?|☑️?)$/i;
/** Where a table's dependency column states what a row depends on (`table`). */
const DEPENDENCY_COLUMN = /depend|prereq|requires|blocked by|^after$|predecessor/;
/**
 * A line that protects, forbids or cites rather than asks: paths there are not what the section
 * changes ("`.git/**` is protected and needs approval", "never edit `src/gen/`", "such as `a.ts`").
 */
const NOT_SCOPE_LINE =
  /\b(protected|approvals?|never|must not|do not|don'?t|read-only|untouched|leave\b.{0,60}\balone|out of scope|not in scope|e\.g\.|for example|for instance|such as|similar to|cf\.)/i;

type Ranges = readonly (readonly [number, number])[];
/** Most lines: nothing in them is out of scope. Shared, since prose reads ~10 lines per section. */
const NO_RANGES: Ranges = [];

/** The sentences of a line that protect, forbid or cite (NOT_SCOPE_LINE), as [start, end) ranges. */
function notScopeRanges(line: string): Ranges {
  if (!NOT_SCOPE_LINE.test(line)) return NO_RANGES;
  const ranges: [number, number][] = [];
  let start = 0;
  // A sentence ends at ". " / "; " / "? " / "! ": a dot inside `a.ts` or after "e.g." does not end it.
  const ends = /[.;!?](?=\s|$)/g;
  for (let m = ends.exec(line); ; m = ends.exec(line)) {
    if (m && /\b(e\.g|i\.e|cf|etc|vs)\.$/i.test(line.slice(Math.max(0, m.index - 5), m.index + 1))) continue;
    const end = m ? m.index + 1 : line.length;
    if (NOT_SCOPE_LINE.test(line.slice(start, end))) ranges.push([start, end]);
    if (!m) break;
    start = end;
  }
  return ranges;
}

/** Whether `index` is outside every range: a path there is what the section changes. */
function inScope(notScope: Ranges, index: number): boolean {
  return !notScope.some(([a, b]) => index >= a && index < b);
}

/** A shell prompt line: `$ npm test`. */
const PROMPT_LINE = /^\s*[$%]\s/;
/** Stems of the words that state a dependency in prose: a line without any states none. */
const DEPENDENCY_WORDS = /\b(depend|blocked|after|requir|once|follow|build|need|prerequisite)/i;
/**
 * The words of a line that may name a path (`pathsOf` resets them: they are global). In bare prose
 * only words with a slash or a dot can (see `pathIn`); the regex finds just those, whole, at the
 * same places `\S+` would, without a match for every other word.
 */
const WORDS = /\S+/g;
const WORDS_WITH_SLASH_OR_DOT = /\S*[./]\S*/g;
const SIGNAL_WORDS = /\b(P[0-4]|priority|status|risk|must|should|could|won'?t)\b/i;
/** Stems of every risk pattern in extract-signals.ts: a line without any cannot carry a risk signal. */
const RISK_WORDS =
  /migrat|schema|alter|backfill|auth|oidc|sso|saml|log ?in|sign|passw|session|permission|rbac|acl|pay|billing|stripe|invoic|card|refund|pci|secur|secret|crypt|credential|vulnerab|csrf|xss|injection|api key|private key|certificate|tls|delet|drop|truncate|purge|wipe|destroy|rm -rf|gdpr|removal|breaking|incompatible/i;
const LABEL =
  /^(?:\*\*|__)?\s*(acceptance criteria|acceptance|done when|definition of done|exit criteria|success criteria|expected (?:behaviou?rs?|results?|outcomes?)|deliverables?|outputs?|depends on|dependencies|prerequisites?|requires|blocked by|files(?: to change)?|affected files|paths|commands|validation|verification|how to verify|checks|notes|describe the bug|bug description|(?:steps |how )?to reproduce|reproduction(?: steps)?|actual (?:behaviou?rs?|results?)|environment|additional context|screenshots?|desktop|smartphone)(?:\s*\([^)]*\))?\s*(?:\*\*|__)?\s*(:)?\s*(?:\*\*|__)?\s*(.*)$/i;

/**
 * The facet a label line names: a heading's facets, and the device a bug template asks about
 * ("**Desktop (please complete the following information):**"), which as a heading names a feature.
 */
function labelFacet(word: string): FacetKind | undefined {
  return facetOf(word) ?? (/^(desktop|smartphone)$/i.test(word.trim()) ? 'description' : undefined);
}

/** A dot with two more characters of its word after it ("f.ts", "1.2.3"), not a sentence's full stop. */
const DOT_INSIDE_WORD = /\.\S\S/;

/**
 * Whether a line of prose can name a path, before it is cut into words: most lines are sentences
 * whose only dot ends them. In bare text a path word holds a slash or a dot inside it (the words
 * `pathsOf` skips and `pathIn` refuses); a Files list also takes a plain file name ("Dockerfile").
 */
function mayHoldPath(text: string, context: 'bare' | 'listed'): boolean {
  if (text.includes('/')) return true;
  return context === 'bare' ? DOT_INSIDE_WORD.test(text) : text.includes('.');
}

interface Line {
  readonly text: string;
  readonly offset: number;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const raw = text.slice(start, end);
    lines.push({ text: raw.endsWith('\r') ? raw.slice(0, -1) : raw, offset: start });
    if (nl < 0) break;
    start = nl + 1;
  }
  return lines;
}

function tableCells(line: string): { text: string; offset: number }[] {
  const cells: { text: string; offset: number }[] = [];
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || (line[i] === '|' && line[i - 1] !== '\\')) {
      const raw = line.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      cells.push({ text: raw.trim(), offset: start + lead });
      start = i + 1;
    }
  }
  if (cells.length > 0 && cells[0]!.text === '' && line.trimStart().startsWith('|')) cells.shift();
  if (cells.length > 0 && cells[cells.length - 1]!.text === '' && line.trimEnd().endsWith('|')) cells.pop();
  return cells;
}

/** A row id as written in an id column or a dependency cell: "#1" and "1" are the same row. */
const rowId = (text: string | undefined): string => text?.replace(/^#/, '').toLowerCase() ?? '';

/**
 * Each work-table row's checklist index by its id (`first`: the index its first row gets); rows
 * with no work named are no items, and rows past the checklist's cap get none.
 */
function itemsById(
  cells: readonly (readonly { text: string }[])[],
  workColumn: number,
  idColumn: number,
  first: number,
): Map<string, number> {
  const itemById = new Map<string, number>();
  let next = first;
  for (const row of cells) {
    if ((row[workColumn]?.text ?? '') === '') continue;
    const id = rowId(row[idColumn]?.text);
    if (id !== '' && next < FACT_LIMITS.deliverables && !itemById.has(id)) itemById.set(id, next);
    next++;
  }
  return itemById;
}

function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > FACT_LIMITS.itemChars ? `${t.slice(0, FACT_LIMITS.itemChars - 1)}…` : t;
}

class SectionScanner {
  private readonly deliverables: string[] = [];
  private readonly criteria: string[] = [];
  private readonly paths = new Set<string>();
  private readonly commands = new Map<string, string[]>();
  private readonly dependencies: DependencyMention[] = [];
  private readonly risks = new Set<RiskSignal>();
  private explicitRisk: RiskLevel | undefined;
  private priorityClass: number | undefined;
  private status: PlanNodeStatus | undefined;

  /** The label in force ("Acceptance criteria:"), which says what the next list items are. */
  private label: FacetKind | undefined;
  private item:
    | { text: string; checkbox: boolean; checked: boolean; start: number; end: number; top: boolean }
    | undefined;
  private readonly checklist: ChecklistItem[] = [];
  /**
   * The checklist item the nested items after it belong to ("- [ ] Auth" over "  - [ ] Login form"):
   * its range grows over them, so they are its facts and not its section's.
   */
  private openItem: { end: number } | undefined;
  /** Under a MoSCoW heading ("Must have"): each top-level item of a plain list is a unit of work. */
  private listedWork = false;
  private scenario: string | undefined;
  /** Reading the paragraph after a bare criteria label ("**Expected behavior**"): it is a criterion. */
  private labelledParagraph = false;
  private statesCriteria = false;

  constructor(
    private readonly facet: FacetKind | undefined,
    private readonly headed = true,
  ) {
    this.label = facet;
  }

  scan(text: string): SectionFacts {
    const lines = splitLines(text);
    let fence:
      { char: string; length: number; mode: 'shell' | 'prompt' | 'other'; pending: string } | undefined;
    let prevBlank = true;
    let inList = false;
    let indentedCode = false;

    for (let i = 0; i < lines.length; i++) {
      const { text: line, offset } = lines[i]!;
      if (fence) {
        const close = line.trim();
        if (close.startsWith(fence.char.repeat(fence.length)) && /^([`~])\1*$/.test(close)) {
          fence = undefined;
        } else if (fence.mode === 'shell') {
          const joined = fence.pending + line;
          if (joined.endsWith('\\')) fence.pending = `${joined.slice(0, -1)} `;
          else {
            fence.pending = '';
            this.addCommands(commandsInLine(joined));
          }
        } else if (fence.mode === 'prompt' && PROMPT_LINE.test(line)) {
          this.addCommands(commandsInLine(line));
        }
        continue;
      }
      const blank = line.trim() === '';
      if (indentedCode) {
        if (blank || /^( {4}|\t)/.test(line)) {
          if (PROMPT_LINE.test(line)) this.addCommands(commandsInLine(line));
          continue;
        }
        indentedCode = false;
      }
      if (blank) {
        this.flushScenario();
        this.flushItem();
        prevBlank = true;
        continue;
      }
      const open = FENCE_OPEN.exec(line);
      if (open && !(open[2]!.startsWith('`') && line.slice(open[0].length).includes('`'))) {
        this.flushScenario();
        this.flushItem();
        const lang = (open[3] ?? '').toLowerCase();
        const mode = isShellFence(lang) ? 'shell' : isPromptFence(lang) ? 'prompt' : 'other';
        fence = { char: open[2]![0]!, length: open[2]!.length, mode, pending: '' };
        prevBlank = false;
        continue;
      }
      if (i === 0 && this.headed && /^\s{0,3}#{1,6}(\s|$)/.test(line)) {
        const title = line.replace(/^\s*#+\s*/, '').replace(/\s#+\s*$/, '');
        this.title(title, offset, /^\s{0,3}#(\s|$)/.test(line));
        prevBlank = false;
        continue;
      }
      if (i === 1 && this.headed && SETEXT_UNDERLINE.test(line)) continue;
      if (i === 0 && this.headed) {
        // A setext heading: the title is the first line.
        this.title(line, offset, /^\s{0,3}=+\s*$/.test(lines[1]?.text ?? ''));
        continue;
      }
      if (THEMATIC_BREAK.test(line)) {
        this.flushScenario();
        this.flushItem();
        inList = false;
        this.openItem = undefined;
        continue;
      }
      if (prevBlank && !inList && /^( {4}|\t)/.test(line)) {
        indentedCode = true;
        if (PROMPT_LINE.test(line)) this.addCommands(commandsInLine(line));
        continue;
      }
      const next = lines[i + 1]?.text;
      if (line.includes('|') && next !== undefined && next.includes('-') && TABLE_DELIMITER.test(next)) {
        this.flushScenario();
        this.flushItem();
        i = this.table(lines, i);
        prevBlank = false;
        inList = false;
        this.openItem = undefined;
        continue;
      }
      const listItem = LIST_ITEM.exec(line);
      if (listItem) {
        this.flushScenario();
        this.flushItem();
        const content = listItem[4] ?? '';
        const contentOffset = offset + line.length - content.length;
        inList = true;
        prevBlank = false;
        if (this.labelLine(content, contentOffset, true)) continue;
        this.item = {
          text: content,
          checkbox: listItem[3] !== undefined,
          checked: listItem[3] !== undefined && listItem[3] !== ' ',
          start: offset,
          end: offset + line.length,
          top: (listItem[1] ?? '').length < 2,
        };
        this.itemLine(content, contentOffset);
        continue;
      }
      if (this.item && (!prevBlank || /^\s{2,}\S/.test(line))) {
        // A continuation of the list item (indented, or lazy without a blank line).
        this.item.text += ` ${line.trim()}`;
        this.item.end = offset + line.length;
        this.itemLine(line, offset);
        prevBlank = false;
        continue;
      }
      this.flushItem();
      inList = false;
      this.openItem = undefined;
      prevBlank = false;
      const quoted = line.replace(/^\s*(>\s?)+/, '');
      const quoteOffset = offset + line.length - quoted.length;
      if (this.labelLine(quoted, quoteOffset, false)) continue;
      if (GIVEN_WHEN_THEN.test(quoted.trim())) {
        const t = quoted.trim();
        this.scenario =
          /^given\b/i.test(t) || this.scenario === undefined
            ? this.flushScenarioAnd(t)
            : `${this.scenario} ${t}`;
      } else if (this.label === 'criteria' || this.labelledParagraph) {
        // Under "Acceptance criteria" or a bug report's "Expected behavior" a paragraph states a
        // criterion (flushScenario), unless it introduces the list after it ("Done when:"). After a
        // label, only the paragraph right after it does.
        const t = quoted.trim();
        this.scenario = this.scenario === undefined ? t : `${this.scenario} ${t}`;
        if (this.facet === undefined && !t.endsWith(':')) {
          this.label = undefined;
          this.labelledParagraph = true;
        }
      } else {
        this.flushScenario();
        // Plain prose ends a label's reach, except in a facet section ("## Acceptance criteria") and
        // where it introduces the list after it ("Steps to reproduce the behavior:").
        if (this.facet === undefined && !quoted.trimEnd().endsWith(':')) this.label = undefined;
      }
      this.prose(quoted, quoteOffset, true);
    }
    this.flushScenario();
    this.flushItem();
    return this.facts();
  }

  /** `documentTitle`: a level-1 heading, which names the document ("# Launch plan"). */
  private title(title: string, offset: number, documentTitle: boolean): void {
    const status = statusInTitle(title);
    if (status) this.status = status;
    const graded = moscowHeading(title);
    if (graded !== undefined) {
      this.priorityClass = graded;
      // What a "Won't have" lists is out of scope: no task of it.
      this.listedWork = graded !== PRIORITY_CLASS.later;
    }
    // "# Launch plan" over a list: the list is the plan, an item per task.
    if (documentTitle && this.facet === undefined && NAMES_A_PLAN.test(plainTitle(title)))
      this.listedWork = true;
    this.prose(title, offset, true);
  }

  /** "Acceptance criteria:", "**Depends on:** Story 1.1": sets the label, handles what follows it. */
  private labelLine(content: string, offset: number, inList: boolean): boolean {
    const m = LABEL.exec(content.trim());
    if (!m) return false;
    const [, word = '', colon, rest = ''] = m;
    if (colon === undefined && rest !== '') return false; // "Requires a database" is prose, not a label
    const facet = labelFacet(word);
    if (!facet) return false;
    const restOffset = offset + content.indexOf(rest, content.indexOf(word) + word.length);
    // "Acceptance criteria:" alone governs the list that follows; "Depends on: Story 1.1" is complete.
    if (rest === '') this.label = facet;
    else if (this.facet === undefined && !inList) this.label = undefined;
    if (rest !== '') {
      this.prose(rest, restOffset, false, facet === 'files' ? 'listed' : 'bare');
      if (facet === 'dependencies') this.addDependencies(statedItems(rest, restOffset));
      else if (facet === 'criteria') this.addCriterion(rest);
      else if (facet === 'deliverables') this.addDeliverable(rest);
      else if (facet === 'commands') this.commandsOf(rest);
    }
    return true;
  }

  private itemLine(text: string, offset: number): void {
    if (this.label === 'dependencies') {
      this.prose(text, offset, false);
      this.addDependencies(
        statedItems(text.replace(/^\s+/, ''), offset + text.length - text.trimStart().length),
      );
      return;
    }
    if (this.label === 'commands') this.commandsOf(text);
    this.prose(text, offset, true);
  }

  private flushItem(): void {
    const item = this.item;
    this.item = undefined;
    if (!item) return;
    if (!item.top && this.openItem) this.openItem.end = item.end;
    if (item.top) this.openItem = undefined;
    const text = item.text.trim();
    if (text === '') return;
    switch (this.label) {
      case 'criteria':
        this.addCriterion(text);
        return;
      case 'deliverables':
        // A "Tasks" section's checklist: under a phase, an epic or a story, one task per item.
        if (this.facet === 'deliverables' && item.checkbox && item.top) this.addChecklistItem(text, item);
        this.addDeliverable(text);
        return;
      case 'dependencies':
      case 'files':
      case 'commands':
      case 'notes':
      case 'description':
        return;
      case undefined:
        // A user story in a list is an item of work, as a checkbox is, and so is an item a MoSCoW
        // heading grades: one task each.
        if ((item.checkbox || this.listedWork || isUserStory(text)) && item.top)
          this.addChecklistItem(text, item);
        if (item.checkbox || GIVEN_WHEN_THEN.test(text)) this.addCriterion(text, isScenario(text));
        else this.addDeliverable(text);
        return;
      default: {
        const never: never = this.label;
        throw new Error(`unknown label ${String(never)}`);
      }
    }
  }

  /** A checklist item, open for the nested items after it (`openItem`); past the cap, nothing. */
  private addChecklistItem(text: string, item: { start: number; end: number; checked: boolean }): void {
    if (this.checklist.length >= FACT_LIMITS.deliverables) return;
    const entry = { text: oneLine(text), start: item.start, end: item.end, checked: item.checked };
    this.checklist.push(entry);
    this.openItem = entry;
  }

  private flushScenarioAnd(next: string): string {
    this.flushScenario();
    return next;
  }

  /** Ends the Given/When/Then scenario, or the paragraph of a criteria section, being read. */
  private flushScenario(): void {
    const read = this.scenario;
    // A paragraph read as a criterion, or a whole scenario: prose that starts with "When" or
    // "Given" ("When parsing ranges, …") is no sign of a plan.
    if (read !== undefined && !read.endsWith(':'))
      this.addCriterion(read, this.labelledParagraph || this.label === 'criteria' || isScenario(read));
    this.scenario = undefined;
    this.labelledParagraph = false;
  }

  /** Paths, commands, dependency phrases and signals in one line of prose. */
  private prose(
    line: string,
    offset: number,
    withDependencies: boolean,
    pathContext: 'bare' | 'listed' = this.label === 'files' ? 'listed' : 'bare',
  ): void {
    let masked = line;
    const notScope = notScopeRanges(line);
    if (line.includes('`')) {
      CODE_SPAN.lastIndex = 0;
      for (let m = CODE_SPAN.exec(line); m; m = CODE_SPAN.exec(line)) {
        const span = m[2] ?? '';
        const path = pathIn(span, 'backticked');
        if (path) {
          if (inScope(notScope, m.index)) this.addPath(path);
        } else if (this.label === 'commands') this.addCommands(commandsInLine(span));
        else this.addCommands(commandInSpan(span));
        masked = masked.slice(0, m.index) + ' '.repeat(m[0].length) + masked.slice(m.index + m[0].length);
      }
    }
    this.pathsOf(masked, pathContext, notScope);
    if (PROMPT_LINE.test(masked)) this.addCommands(commandsInLine(line));
    // Under a dependency label too: a sentence there ("Story 2.1 depends on Story 1.2.") is prose,
    // read by the prose rule; list items under the label are read as items (itemLine).
    if (withDependencies && DEPENDENCY_WORDS.test(line)) {
      this.addDependencies(mentionsInProse(line, offset, true));
    }
    // One cheap test first: most prose lines state no priority, status or risk at all.
    if (!SIGNAL_WORDS.test(masked) && !RISK_WORDS.test(masked)) return;
    const priority = priorityIn(masked);
    if (priority !== undefined && this.priorityClass === undefined) this.priorityClass = priority;
    const status = statusIn(masked);
    if (status && this.status === undefined) this.status = status;
    const risk = explicitRiskIn(masked);
    if (risk && this.explicitRisk === undefined) this.explicitRisk = risk;
    for (const signal of riskSignalsIn(masked)) this.risks.add(signal);
  }

  private pathsOf(text: string, context: 'bare' | 'listed', notScope: Ranges): void {
    if (!mayHoldPath(text, context)) return;
    const words = context === 'bare' ? WORDS_WITH_SLASH_OR_DOT : WORDS;
    words.lastIndex = 0;
    for (let m = words.exec(text); m; m = words.exec(text)) {
      const token = m[0];
      // Most prose words have no slash and at most a trailing dot ("done."): skip them cheaply
      // (a word with no dot at all is left to `pathIn`, which reads "Dockerfile" in a Files list).
      if (token.length < 2 || (!token.includes('/') && token.indexOf('.') >= token.length - 2)) continue;
      if (!inScope(notScope, m.index)) continue;
      const path = pathIn(token, context);
      if (path) this.addPath(path);
    }
  }

  /** An item of a "Commands:" list written without backticks: `npm test` as plain text. */
  private commandsOf(text: string): void {
    if (!text.includes('`')) this.addCommands(commandInSpan(text.trim()));
  }

  /**
   * A table: cells are prose; a "depends on"/"prerequisites" column states dependencies per row. A
   * table of work outside any label (`workRows`) makes each row a checklist item instead.
   */
  private table(lines: readonly Line[], headerIndex: number): number {
    const labels = tableCells(lines[headerIndex]!.text).map((c) => c.text.replace(/[*_`]/g, ''));
    const header = labels.map((label) => label.toLowerCase());
    const dependencyColumn = header.findIndex((h) => DEPENDENCY_COLUMN.test(h));
    let end = headerIndex + 2;
    while (end < lines.length && lines[end]!.text.trim() !== '' && lines[end]!.text.includes('|')) end++;
    const rows = lines.slice(headerIndex + 2, end);
    if (this.label === undefined && this.workRows(labels, header, rows, dependencyColumn)) return end - 1;
    const subjectByName = header.findIndex((h) =>
      /^(#|id|no\.?|task|story|item|name|step|feature|epic|phase|stage|milestone|work( item)?|deliverable|component)$/.test(
        h,
      ),
    );
    const subjectColumn =
      dependencyColumn < 0 ? -1 : subjectByName >= 0 ? subjectByName : dependencyColumn === 0 ? -1 : 0;
    const criteriaColumn = header.findIndex((h) => /acceptance|done when|criteria/.test(h));
    for (let i = headerIndex + 2; i < end; i++) {
      const { text: row, offset } = lines[i]!;
      const cells = tableCells(row);
      const subject =
        subjectColumn >= 0 && subjectColumn !== dependencyColumn ? cells[subjectColumn] : undefined;
      cells.forEach((cell, column) => {
        if (cell.text === '') return;
        const cellOffset = offset + cell.offset;
        if (column === dependencyColumn) {
          const mentions = statedItems(cell.text, cellOffset);
          if (!subject || subject.text === '') {
            this.addDependencies(mentions);
            return;
          }
          // A row of notes only ("| gateway | NATS, MongoDB |") about something that is not named
          // as a plan item says nothing about a node: it is dropped, not failed on its subject.
          if (mentions.every((m) => m.external) && !namesReference(subject.text)) return;
          const rowSubject = { text: subject.text, offset: offset + subject.offset };
          this.addDependencies(mentions.map((m) => ({ ...m, subject: rowSubject })));
          return;
        }
        if (column === criteriaColumn) this.addCriterion(cell.text);
        this.prose(cell.text, cellOffset, false);
      });
    }
    return end - 1;
  }

  /**
   * The rows of a table of work (WORK_COLUMN beside a planning or dependency column, two rows or
   * more naming work, none naming an item of the plan as "Story 3.1" does) as checklist items: one
   * task each, as a checklist's items are. A row is done when its status cell says so; its
   * dependency cell names other rows by their id ("1", "#1") or anything a dependency list may
   * name. Cells are prose as in any table (paths, risks). False, having read nothing, for any other
   * table. `header`: `labels` lowercased.
   */
  private workRows(
    labels: readonly string[],
    header: readonly string[],
    rows: readonly Line[],
    dependencyColumn: number,
  ): boolean {
    const workColumn = header.findIndex((h) => WORK_COLUMN.test(h));
    const planning = (h: string, c: number) =>
      c !== workColumn && (PLANNING_COLUMN.test(h) || DEPENDENCY_COLUMN.test(h));
    if (workColumn < 0 || !header.some(planning)) return false;
    const cells = rows.map((row) => tableCells(row.text));
    const named = cells.map((row) => row[workColumn]?.text ?? '').filter((work) => work !== '');
    // "| Story 3.1 | Story 2.1 |" orders items planned elsewhere: a prerequisites table, not work.
    if (named.length < 2 || named.some(namesReference)) return false;
    const idColumn = header.findIndex((h, c) => c !== workColumn && ROW_ID_COLUMN.test(h));
    const statusColumn = header.findIndex((h, c) => c !== workColumn && STATUS_COLUMN.test(h));
    const itemById = itemsById(cells, workColumn, idColumn, this.checklist.length);
    rows.forEach(({ text: row, offset }, r) => {
      const rowCells = cells[r]!;
      const work = rowCells[workColumn];
      const dependsOn: (DependencyMention & { item?: number })[] = [];
      const details: string[] = [];
      rowCells.forEach((cell, column) => {
        if (cell.text === '') return;
        const cellOffset = offset + cell.offset;
        if (column === dependencyColumn) {
          for (const mention of statedItems(cell.text, cellOffset)) {
            const item = itemById.get(rowId(mention.text));
            dependsOn.push(item === undefined ? mention : { ...mention, item });
          }
          return;
        }
        if (column !== workColumn && column !== idColumn && labels[column])
          details.push(`${labels[column]}: ${cell.text}`);
        this.prose(cell.text, cellOffset, false);
      });
      if (!work || work.text === '' || this.checklist.length >= FACT_LIMITS.deliverables) return;
      this.checklist.push({
        text: oneLine(work.text),
        start: offset,
        end: offset + row.length,
        checked: DONE_CELL.test((rowCells[statusColumn]?.text ?? '').replace(/[*_`]/g, '').trim()),
        ...(dependsOn.length > 0 ? { dependsOn } : {}),
        ...(details.length > 0 ? { details } : {}),
      });
    });
    return true;
  }

  /**
   * `stated`: false where the text may be prose or a feature list as well (a ticked checkbox, a line
   * starting with "When"): those criteria are no sign of a plan (statesCriteria).
   */
  private addCriterion(text: string, stated = true): void {
    if (stated) this.statesCriteria = true;
    if (this.criteria.length < FACT_LIMITS.criteria) this.criteria.push(oneLine(text));
  }
  private addDeliverable(text: string): void {
    if (this.deliverables.length < FACT_LIMITS.deliverables) this.deliverables.push(oneLine(text));
  }
  private addPath(path: string): void {
    if (this.paths.size < FACT_LIMITS.paths) this.paths.add(path);
    if (isProtectedPath(path)) this.risks.add('protected_path');
  }
  private addCommands(commands: readonly string[][]): void {
    for (const argv of commands) {
      const key = argv.join('\u0000');
      if (this.commands.size < FACT_LIMITS.commands && !this.commands.has(key)) this.commands.set(key, argv);
    }
  }
  private addDependencies(mentions: readonly DependencyMention[]): void {
    for (const m of mentions) {
      if (this.dependencies.length >= FACT_LIMITS.dependencies) return;
      if (!this.dependencies.some((d) => d.offset === m.offset)) this.dependencies.push(m);
    }
  }

  /**
   * The facts, their lists copied to their length: a list grown by `push` keeps room for 16 more
   * items, and the facts of every section live as long as the plan (20k sections: ~5 MB of room).
   */
  private facts(): SectionFacts {
    return {
      deliverables: this.deliverables.slice(),
      acceptanceCriteria: this.criteria.slice(),
      filePaths: [...this.paths],
      commands: [...this.commands.values()],
      dependencies: this.dependencies.slice(),
      riskSignals: [...this.risks].sort(),
      ...(this.explicitRisk !== undefined ? { explicitRisk: this.explicitRisk } : {}),
      ...(this.priorityClass !== undefined ? { priorityClass: this.priorityClass } : {}),
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.checklist.length > 0 ? { checklist: this.checklist.slice() } : {}),
      ...(this.statesCriteria ? { statesCriteria: true as const } : {}),
      ...(this.facet !== undefined ? { readAs: this.facet } : {}),
    };
  }
}

/**
 * Reads one section's own text. `facet` is set when the section itself is a facet of its parent
 * ("### Acceptance criteria"), so its list items are read as that facet.
 */
export function extractSection(ownText: string, facet?: FacetKind, headed = true): SectionFacts {
  return new SectionScanner(facet, headed).scan(ownText);
}

/**
 * The facts of a section's own text read as `facet`: `stored` (facts kept from an earlier planning
 * of the same text) when they were read as that facet too, else read now.
 */
export function factsOf(
  ownText: () => string,
  facet: FacetKind | undefined,
  headed: boolean,
  stored: SectionFacts | undefined,
): SectionFacts {
  return stored !== undefined && stored.readAs === facet ? stored : extractSection(ownText(), facet, headed);
}
