import { labelOf, REFERENCE_LABEL_WORDS, type NodeLabel } from './plan-kinds';

/**
 * Dependency mentions in prose. "Depends on", "blocked by" and prerequisite lists state a
 * dependency: every item must name a node (or be clearly external). "After", "requires", "once"
 * are everyday words, so after them only reference-shaped text counts ("Story 1.2", "Phase 1",
 * "`Auth service`", a link to a heading); "requires a database" is not a dependency.
 */

export type MentionStrength = 'stated' | 'loose';

/** A dependency as written; offsets are relative to the start of the section that holds it. */
export interface DependencyMention {
  readonly text: string;
  readonly offset: number;
  readonly strength: MentionStrength;
  /** Clearly outside the plan (a URL, a ticket key, another team, a vendor): kept, never resolved. */
  readonly external: boolean;
  /** Table rows name who depends ("Story 2.1" in the first column); absent: the section itself. */
  readonly subject?: { readonly text: string; readonly offset: number };
}

/** How a mention names its node. */
export type Reference =
  | { readonly type: 'labelled'; readonly label: NodeLabel; readonly number: string }
  | { readonly type: 'number'; readonly number: string }
  | { readonly type: 'path'; readonly segments: readonly string[] }
  | { readonly type: 'title'; readonly title: string };

const NUMBER = '\\d+(?:\\.\\d+)*';
const LABELLED_REF = new RegExp(`\\b(${REFERENCE_LABEL_WORDS})\\s*#?(${NUMBER})(?![\\w.]*\\d)`, 'gi');
// Backticks are left out: after "requires" they quote tools and paths (`node` 20, `npm install`).
const QUOTED_REF = /"([^"\n]{2,200})"|“([^”\n]{2,200})”|\[([^\]\n]{2,200})\]\(#[^)]*\)/g;
const SECTION_NUMBER_REF = new RegExp(`\\b(?:section|§)\\s*(${NUMBER})\\b`, 'gi');

const STATED =
  /\b(depends on|dependent on|depend on|blocked by|requires completion of|prerequisites?\s*:)\s*/gi;
const LOOSE = /\b(after|requires|require|once|following|builds on|build on|needs)\s+/gi;

const NOTHING = /^(none|n\/a|na|nothing|no dependencies|-+|—|–|tbd|\.)$/i;
const EXTERNAL_WORDS =
  /https?:\/\/|\bexternal\b|third[- ]party|\bvendor\b|\bupstream\b|\bteam\b|\bpartner\b|\bsign-?off\b|\blegal\b|\bprocurement\b|\bcontract signed\b|@[\w-]+\/[\w.-]+|\b(npm|pypi|crates?\.io|maven) package\b/i;
const TICKET = /\b[A-Z][A-Z0-9]{1,9}-\d+\b|(^|[\s(])#\d+\b|\b[\w.-]+\/[\w.-]+#\d+\b/;

/** True when a mention clearly points outside this plan. */
export function isExternal(text: string): boolean {
  return EXTERNAL_WORDS.test(text) || TICKET.test(text);
}

/** The end of the clause starting at `from`: a sentence end, a closing parenthesis or the line end. */
function clauseEnd(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    const ch = line[i];
    if (ch === ';' || ch === ')') return i;
    if ((ch === '.' || ch === '!' || ch === '?') && (i + 1 === line.length || line[i + 1] === ' ')) {
      // "Story 1.2" keeps its dot: a sentence ends only at a dot followed by a space or the end.
      return i;
    }
  }
  return line.length;
}

/** Words that end a mention ("Story 1 is done", "the API to land"). */
const TRAILER =
  /\s+(?:is|are|be|being|has been|have been|to be|to|gets?|got)\s+(?:done|complete[d]?|finished|merged|ready|shipped|landed|released|in place|available|land|ship|merge|finish)\b.*$|\s+(?:lands|ships|merges|completes|finishes|is out)\b.*$/i;

/** A mention's text, cleaned for display and resolution. */
function clean(text: string): string {
  return text
    .replace(TRAILER, '')
    .replace(/^\s*(?:the|a|an)\s+/i, '')
    .replace(/^[\s*_"'“”‘’`]+|[\s*_"'“”‘’`.,:;!?]+$/g, '')
    .trim();
}

/** Reference-shaped pieces of a clause, in order: labelled numbers, § numbers, quotes, links. */
function shapedIn(clause: string): { text: string; index: number }[] {
  const found: { text: string; index: number }[] = [];
  for (const pattern of [LABELLED_REF, SECTION_NUMBER_REF, QUOTED_REF]) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(clause); m; m = pattern.exec(clause)) {
      const quoted = m[1] ?? m[2] ?? m[3];
      const text = pattern === QUOTED_REF && quoted !== undefined ? quoted : m[0];
      const index = pattern === QUOTED_REF ? m.index + m[0].indexOf(text) : m.index;
      if (!found.some((f) => index >= f.index && index < f.index + f.text.length))
        found.push({ text, index });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/**
 * The items of a stated dependency list ("Story 1.1, Story 1.2", "the auth service; billing"):
 * per comma/semicolon-separated item, its reference-shaped pieces, else the item as a title.
 */
export function statedItems(clause: string, clauseOffset: number): DependencyMention[] {
  if (NOTHING.test(clause.trim())) return [];
  const anyShaped = shapedIn(clause).length > 0;
  const mentions: DependencyMention[] = [];
  for (const item of splitItems(clause)) {
    const shaped = shapedIn(item.text);
    // "Story 1 and starts after lunch" names Story 1; a free-text item beside reference-shaped ones
    // counts only when it is clearly external ("Story 2; JIRA-12").
    const pieces =
      shaped.length > 0 ? shaped : !anyShaped || isExternal(item.text) ? [{ text: item.text, index: 0 }] : [];
    for (const piece of pieces) {
      const text = clean(piece.text);
      if (text === '' || NOTHING.test(text)) continue;
      const offset = clauseOffset + item.index + piece.index + Math.max(0, piece.text.indexOf(text));
      mentions.push({ text, offset, strength: 'stated', external: isExternal(text) });
    }
  }
  return mentions;
}

function splitItems(clause: string): { text: string; index: number }[] {
  const items: { text: string; index: number }[] = [];
  const separator = /\s*(?:,|;|<br\s*\/?>)\s*/gi;
  let start = 0;
  for (let m = separator.exec(clause); m; m = separator.exec(clause)) {
    items.push({ text: clause.slice(start, m.index), index: start });
    start = m.index + m[0].length;
  }
  items.push({ text: clause.slice(start), index: start });
  return items;
}

/** Every dependency phrase in one line of prose (code spans and fences are handled by the caller). */
export function mentionsInProse(line: string, lineOffset: number): DependencyMention[] {
  const mentions: DependencyMention[] = [];
  const claimed: [number, number][] = [];
  STATED.lastIndex = 0;
  for (let m = STATED.exec(line); m; m = STATED.exec(line)) {
    const from = m.index + m[0].length;
    const to = clauseEnd(line, from);
    claimed.push([m.index, to]);
    mentions.push(...statedItems(line.slice(from, to), lineOffset + from));
  }
  LOOSE.lastIndex = 0;
  for (let m = LOOSE.exec(line); m; m = LOOSE.exec(line)) {
    if (claimed.some(([a, b]) => m!.index >= a && m!.index < b)) continue;
    const from = m.index + m[0].length;
    const clause = line.slice(from, clauseEnd(line, from));
    for (const piece of shapedIn(clause)) {
      const text = clean(piece.text);
      if (text === '') continue;
      mentions.push({
        text,
        offset: lineOffset + from + piece.index + Math.max(0, piece.text.indexOf(text)),
        strength: 'loose',
        external: isExternal(text),
      });
    }
  }
  return mentions;
}

const LABELLED_WHOLE = new RegExp(`^(${REFERENCE_LABEL_WORDS})\\s*#?(${NUMBER})$`, 'i');
const NUMBER_WHOLE = new RegExp(`^(?:section\\s*|§\\s*|#)?(${NUMBER})\\.?$`, 'i');

/** How a mention's text names a node: "Story 1.2", "1.2", "Phase 1 > Login", or a title. */
export function parseReference(text: string): Reference {
  const trimmed = text.trim();
  const path = trimmed.split(/\s+(?:>|›|»|\/)\s+/);
  if (path.length > 1) return { type: 'path', segments: path };
  const labelled = LABELLED_WHOLE.exec(trimmed);
  if (labelled) {
    const label = labelOf(labelled[1] ?? '');
    if (label) return { type: 'labelled', label, number: labelled[2] ?? '' };
  }
  const numbered = NUMBER_WHOLE.exec(trimmed);
  if (numbered && numbered[1]?.includes('.')) return { type: 'number', number: numbered[1] };
  if (numbered && /^(section|§|#)/i.test(trimmed)) return { type: 'number', number: numbered[1] ?? '' };
  return { type: 'title', title: trimmed };
}
