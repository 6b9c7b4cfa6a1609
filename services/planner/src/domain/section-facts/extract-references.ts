import { labelOf, REFERENCE_LABEL_WORDS, type NodeLabel } from '../plan/plan-kinds';

/**
 * Dependency mentions, and the rule that decides which of them a plan must honour. Real planning
 * documents use "depends on" as ordinary English ("so recovery never depends on one message
 * surviving"), so a mention becomes a dependency only when it is both *stated* and *shaped*:
 *
 * 1. Stated as a dependency of this section's node:
 *    - in prose, after "depends on", "blocked by", "requires completion of", "prerequisites:", or
 *      after the everyday words "after", "requires", "once", "following", "builds on", "needs";
 *    - in a dependency list: a "Depends on:" / "Blocked by:" / "Prerequisites:" label, the list
 *      under such a label or heading, a table's dependency column (extract-section.ts).
 *    A prose statement whose subject is a labelled reference ("Story 2.1 depends on Story 1.2")
 *    belongs to that subject, as a table row belongs to its first cell.
 * 2. Reference-shaped: a labelled number ("Story 1.2", "Phase 3"), a section number ("section 4",
 *    "§ 2.1"), a quoted heading title ("Login flow"), an in-document link ([Login](#login)), and in
 *    a dependency list also a bare dotted number ("1.2") or heading path ("Backend > Auth").
 *
 * A stated, shaped mention that names no node is an error (PLANNER_MISSING_DEPENDENCY, naming the
 * section and the reference). Everything else is not a dependency of a node:
 * - Prose after a verb that names no reference is English, not a dependency: "never depends on one
 *   message surviving", "depends on the network being up", "its domain depends on request context".
 * - "depends on whether / how / if …" is a conditional, not a dependency.
 * - A negated verb states the absence of a dependency: "never / not / no longer depends on",
 *   "doesn't require", "isn't blocked by" (a negation among the three words before the verb, in the
 *   same sentence). "Without depending on" never matches: "depending on" is not a dependency verb.
 * - A verb that is quoted rather than used: inside a code span, inside double quotes (a sentence
 *   quoted from another text), or right after a quote mark (the "depends on" column).
 * - In prose only references that lead the clause count: "after Story 2.1 and "Receipts"" names
 *   two nodes, "blocked by the migration in Story 1.2" one, "after the user clicks "Approve"" and
 *   "depends on the network (see section 4)" none.
 * - Code (fences, indented blocks, code spans) and table header rows are never read for
 *   dependencies (extract-section.ts; code spans here).
 * Kept as notes (`external`), never resolved and never an error:
 * - Free text in a dependency list ("Prerequisites: Node 20, a Stripe test key"): the author stated
 *   a prerequisite, but not a node. To depend on a node, name it: "Story 1.2", "section 3", "Title".
 * - Whatever is clearly outside the plan: a URL, a ticket key, another team or vendor, a section
 *   of another document ("DESIGN.md section 3").
 * A dependency table's row of notes whose first cell is free text ("| gateway | NATS, MongoDB |")
 * is about something that is not a plan item: it is dropped, not failed on its subject. A row that
 * names references keeps its subject, which must then name a node, as a labelled one must.
 */

export type MentionStrength = 'stated' | 'loose';

/** A dependency as written; offsets are relative to the start of the section that holds it. */
export interface DependencyMention {
  readonly text: string;
  readonly offset: number;
  readonly strength: MentionStrength;
  /**
   * Not a node of this plan: clearly outside it (a URL, a ticket key, another team, a vendor, another
   * document) or free text in a dependency list. Kept as a note, never resolved, never an error.
   */
  readonly external: boolean;
  /**
   * Who depends, when it is not the section itself: a table row's first cell ("Story 2.1"), or the
   * labelled subject of a prose statement ("Story 2.1 depends on Story 1.2").
   */
  readonly subject?: { readonly text: string; readonly offset: number };
  /**
   * Free words after a dependency word that name no reference ("after the token bucket is in
   * place", "depends on login page"): a dependency only when they start with a node's title of two
   * words or more, else nothing (never an error).
   */
  readonly clause?: boolean;
  /**
   * Names a node by its exact title, never read as a reference ("Read / write API" is no heading
   * path): a work table's row named by its id in another row's dependency column.
   */
  readonly title?: boolean;
}

/** How a mention names its node. */
export type Reference =
  | { readonly type: 'labelled'; readonly label: NodeLabel; readonly number: string }
  | { readonly type: 'number'; readonly number: string }
  | { readonly type: 'path'; readonly segments: readonly string[] }
  | { readonly type: 'title'; readonly title: string }
  /** An in-document link: the heading's anchor slug first, its text when no heading has that slug. */
  | { readonly type: 'anchor'; readonly slug: string; readonly text: string };

/** Which kind of reference-shaped piece: links and quotes are kept apart for how they are read. */
type ShapeKind = 'labelled' | 'section' | 'quoted' | 'link';

interface ShapedPiece {
  readonly text: string;
  readonly index: number;
  readonly kind: ShapeKind;
  readonly external: boolean;
}

const NUMBER = '\\d+(?:\\.\\d+)*';
const LABELLED_REF = new RegExp(`\\b(${REFERENCE_LABEL_WORDS})\\s*#?(${NUMBER})(?![\\w.]*\\d)`, 'gi');
// Backticks are left out: after "requires" they quote tools and paths (`node` 20, `npm install`).
const QUOTED_REF = /"([^"\n]{2,200})"|“([^”\n]{2,200})”/g;
const LINK_REF = /\[([^\]\n]{1,200})\]\(#([^)\s]*)\)/g;
const SECTION_NUMBER_REF = new RegExp(`(?:\\bsection|§)\\s*(${NUMBER})\\b`, 'gi');
// Another document's section ("DESIGN.md section 3", "section 3 of DESIGN.md") is no node of ours.
const DOCUMENT = '[\\w./-]+\\.(?:md|markdown|txt|rst|adoc|pdf|docx?)';
const DOCUMENT_WORD = new RegExp(`^${DOCUMENT}$`, 'i');
const OF_DOCUMENT = new RegExp(`\\s+of\\s+(?:the\\s+)?${DOCUMENT}`, 'iy');

const STATED =
  /\b(depends on|dependent on|depend on|blocked by|requires completion of|prerequisites?\s*:)\s*/gi;
const LOOSE = /\b(after|requires|require|once|following|builds on|build on|needs)\s+/gi;

/** How far before a verb its subject and negation are looked for: a long line stays linear. */
const LOOK_BEHIND = 160;
/** Words that, among the three before a dependency verb, negate it ("never depends on"). */
const NEGATION = /^(?:not|never|no|nor|neither|without|nothing|nobody|none|cannot|\w+n['’]t)$/i;
/** The cheap first test: is there a negation near the verb at all? */
const ANY_NEGATION = /\b(?:not|never|no|nor|neither|without|nothing|nobody|none|cannot)\b|n['’]t\b/i;
/** "depends on whether the cache is warm": a conditional, not a dependency. */
const CONDITIONAL = /^\s*(?:whether|if|how|what|which|who|whom|whose|when|where|why)\b/i;
/** What may stand between a dependency verb and the references it leads to. */
const CONNECTIVE = /^[\s,;/&+]*(?:(?:and|or|both|either|all of|the|a|an|plus|as well as|then)\s+)*$/i;
/** What may follow a title named after an everyday word: the clause's end, another title, or "is done". */
const STANDS_ALONE =
  /^\s*(?:$|[,;&]|(?:and|or|plus)\b|(?:(?:is|are|has been|have been|was|were|gets?|got)\s+)?(?:done|complete[ds]?|finish(?:ed|es)|merged?|merges|ready|ship(?:s|ped)|land(?:s|ed)|released?|live|green|in place|available|succeeds|passes|goes live|is out)\b)/i;
/** Up to three words and a preposition before a labelled reference: "the end of Phase 1". */
const LEAD_IN = /^\s*(?:[\w-]+\s+){0,3}(?:of|from|in|by)\s+$/i;
/** A labelled subject right before a stated verb: "Story 2.1 depends on", "Phase 2 (API) is blocked by". */
const SUBJECT_BEFORE = new RegExp(
  `\\b((?:${REFERENCE_LABEL_WORDS})\\s*#?${NUMBER})(?:\\s*\\([^)]*\\))?\\s+(?:(?:also|still|only|now|directly|itself|is|are|was|remains)\\s+)*$`,
  'i',
);

const NOTHING = /^(none|n\/a|na|nothing|no dependencies|-+|—|–|tbd|\.)$/i;
const EXTERNAL_WORDS =
  /https?:\/\/|\bexternal\b|third[- ]party|\bvendor\b|\bupstream\b|\bteam\b|\bpartner\b|\bsign-?off\b|\blegal\b|\bprocurement\b|\bcontract signed\b|@[\w-]+\/[\w.-]+|\b(npm|pypi|crates?\.io|maven) package\b/i;
const TICKET = /\b[A-Z][A-Z0-9]{1,9}-\d+\b|(^|[\s(])#\d+\b|\b[\w.-]+\/[\w.-]+#\d+\b/;

/** True when a mention clearly points outside this plan. */
export function isExternal(text: string): boolean {
  return EXTERNAL_WORDS.test(text) || TICKET.test(text);
}

/**
 * The end of the clause starting at `from`: a sentence end, the line end, or a closing parenthesis
 * or bracket opened before the clause ("(after Story 2.1)", a link's text "[depends on the OS](…)");
 * one opened inside it, as a link's, is the clause's.
 */
function clauseEnd(line: string, from: number): number {
  let parens = 0;
  let brackets = 0;
  for (let i = from; i < line.length; i++) {
    const ch = line[i];
    if (ch === '(') parens++;
    if (ch === '[') brackets++;
    if (ch === ')' && parens-- === 0) return i;
    if (ch === ']' && brackets-- === 0) return i;
    if (ch === ';') return i;
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

const FINISHED_TRAILER = new RegExp(`^${TRAILER.source}`, 'i');

/** True when `words` start by saying a thing is finished: "is done", "has been merged", "ships". */
export function saysFinished(words: string): boolean {
  return FINISHED_TRAILER.test(` ${words}`);
}

/** A mention's text, cleaned for display and resolution. */
function clean(text: string): string {
  return text
    .replace(TRAILER, '')
    .replace(/^\s*(?:the|a|an)\s+/i, '')
    .replace(/^[\s*_"'“”‘’`]+|[\s*_"'“”‘’`.,:;!?]+$/g, '')
    .trim();
}

/**
 * The text with every code span blanked (offsets stay): code is never read as prose. `fill` is what
 * stands in for the code: a space in prose, a mark in a list, so that the item is still there.
 */
function withoutCode(text: string, fill = ' '): string {
  if (!text.includes('`')) return text;
  return text.replace(/(`+)[^`]+?\1/g, (span) => fill.repeat(span.length));
}

/** [start, end) of every double-quoted stretch of a line ("…" or “…”), quote marks included. */
function quotedRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  const quote = /"[^"\n]*"|“[^”\n]*”/g;
  for (let m = quote.exec(text); m; m = quote.exec(text)) ranges.push([m.index, m.index + m[0].length]);
  return ranges;
}

/**
 * Reference-shaped pieces of a clause, in order: labelled numbers, section numbers, quoted titles,
 * in-document links. Quotes inside a link's text belong to the link.
 */
function shapedIn(clause: string): ShapedPiece[] {
  const found: ShapedPiece[] = [];
  const add = (piece: ShapedPiece, length: number): void => {
    const overlaps = found.some(
      (f) => piece.index < f.index + f.text.length && f.index < piece.index + length,
    );
    if (!overlaps) found.push(piece);
  };
  LINK_REF.lastIndex = 0;
  for (let m = LINK_REF.exec(clause); m; m = LINK_REF.exec(clause)) {
    add({ text: m[0], index: m.index, kind: 'link', external: false }, m[0].length);
  }
  SECTION_NUMBER_REF.lastIndex = 0;
  for (let m = SECTION_NUMBER_REF.exec(clause); m; m = SECTION_NUMBER_REF.exec(clause)) {
    // The document is the word right before ("DESIGN.md section 3") or "of DESIGN.md" right after.
    const before = clause.slice(Math.max(0, m.index - LOOK_BEHIND), m.index);
    const lastWord = /(\S+)\s+$/.exec(before);
    const start =
      lastWord?.[1] !== undefined && DOCUMENT_WORD.test(lastWord[1]) ? m.index - lastWord[0].length : m.index;
    OF_DOCUMENT.lastIndex = m.index + m[0].length;
    const of = OF_DOCUMENT.exec(clause);
    const end = of ? OF_DOCUMENT.lastIndex : m.index + m[0].length;
    const otherDocument = start < m.index || of !== null;
    add(
      { text: clause.slice(start, end), index: start, kind: 'section', external: otherDocument },
      end - start,
    );
  }
  LABELLED_REF.lastIndex = 0;
  for (let m = LABELLED_REF.exec(clause); m; m = LABELLED_REF.exec(clause)) {
    add({ text: m[0], index: m.index, kind: 'labelled', external: false }, m[0].length);
  }
  QUOTED_REF.lastIndex = 0;
  for (let m = QUOTED_REF.exec(clause); m; m = QUOTED_REF.exec(clause)) {
    const quoted = m[1] ?? m[2] ?? '';
    // The quote marks are part of the stretch the piece claims, not of its text.
    const start = m.index;
    const end = start + m[0].length;
    if (found.some((f) => start < f.index + f.text.length && f.index < end)) continue;
    found.push({ text: quoted, index: start + 1, kind: 'quoted', external: false });
  }
  return found.sort((a, b) => a.index - b.index);
}

/**
 * The mention of one shaped piece of `written` (the clause as written; pieces were found with its
 * code blanked) at `base` (the clause's offset in the section).
 */
function mentionOf(
  piece: ShapedPiece,
  written: string,
  base: number,
  strength: MentionStrength,
): DependencyMention | undefined {
  const raw = written.slice(piece.index, piece.index + piece.text.length);
  const text = piece.kind === 'link' ? raw : clean(raw);
  if (text === '') return undefined;
  return {
    text,
    offset: base + piece.index + Math.max(0, raw.indexOf(text)),
    strength,
    // A link's anchor ("(#12-api)") is no ticket: only what the link points to decides.
    external: piece.external || (piece.kind !== 'link' && isExternal(text)),
  };
}

/** Stands in for a code span in a list: neither a separator nor part of a reference. */
const CODE_MARK = '\u2591';

/**
 * The items of a dependency list ("Story 1.1, Story 1.2", "Node 20; a Stripe key"), written where
 * the document states dependencies (a label, a list under one, a table's dependency column): per
 * comma/semicolon-separated item, its reference-shaped pieces; an item without any is free text,
 * kept as a note (`external`) unless it is a bare reference (`Story 1.1` in backticks, "1.2").
 */
export function statedItems(clause: string, clauseOffset: number): DependencyMention[] {
  if (NOTHING.test(clause.trim())) return [];
  const prose = withoutCode(clause, CODE_MARK);
  const mentions: DependencyMention[] = [];
  for (const item of splitItems(prose)) {
    const written = clause.slice(item.index, item.index + item.text.length);
    const found = shapedIn(item.text);
    // Labels and section numbers anywhere in an item ("Story 1.1 (the schema)"); quotes and links
    // only where they lead it, since an item may be a sentence quoting something else.
    const leading = new Set(leadingPieces(item.text, found));
    const shaped = found.filter((p) => p.kind === 'labelled' || p.kind === 'section' || leading.has(p));
    for (const piece of shaped) {
      const mention = mentionOf(piece, written, clauseOffset + item.index, 'stated');
      if (mention) mentions.push(mention);
    }
    if (shaped.length > 0) continue;
    const text = clean(written);
    if (text === '' || NOTHING.test(text)) continue;
    mentions.push({
      text,
      offset: clauseOffset + item.index + Math.max(0, written.indexOf(text)),
      strength: 'stated',
      external: !namesReference(text),
    });
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

/** True when a dependency verb at `index` of `line` is negated, quoted or inside a quotation. */
function notUsedAsDependency(line: string, index: number, quotes: readonly [number, number][]): boolean {
  if (quotes.some(([a, b]) => index > a && index < b)) return true;
  // Right after an opening quote the words are named, not used: the "depends on" column.
  if (/["“'‘]\s*$/.test(line.slice(Math.max(0, index - 2), index))) return true;
  const before = line.slice(Math.max(0, index - LOOK_BEHIND), index);
  // Most verbs have no negation anywhere near: one cheap test before splitting words.
  if (!ANY_NEGATION.test(before)) return false;
  const sentence = before.split(/[.;:!?]\s/).pop() ?? '';
  const words = sentence.trim().split(/\s+/).slice(-3);
  return words.some((w) => NEGATION.test(w.replace(/^[(*_"“]+|[)*_,"”]+$/g, '')));
}

/**
 * The pieces that lead a clause: the first shaped piece right after the verb ("after Story 2.1"),
 * or after a short lead-in to a labelled one ("blocked by the migration in Story 1.2"), and each
 * piece joined on to those ("Story 1, Story 2 and "Login flow""). A reference further on is the
 * clause's own business: "depends on the user typing "yes"", "after the deploy (see section 4)".
 */
function leadingPieces(clause: string, pieces: readonly ShapedPiece[]): ShapedPiece[] {
  const leading: ShapedPiece[] = [];
  let from = 0;
  for (const piece of pieces) {
    const start = piece.kind === 'quoted' ? piece.index - 1 : piece.index;
    const between = clause.slice(from, start);
    const leadIn = leading.length === 0 && piece.kind === 'labelled' && LEAD_IN.test(between);
    if (!CONNECTIVE.test(between) && !leadIn) break;
    leading.push(piece);
    from = piece.kind === 'quoted' ? piece.index + piece.text.length + 1 : piece.index + piece.text.length;
  }
  return leading;
}

/**
 * "Depends on sign-off from the legal team, OPS-142": the items that lead a prose clause while they
 * are clearly outside the plan, as notes. "Depends on the registry, so third-party tools break" names
 * nothing outside: the rest of a sentence is not what it depends on.
 */
function externalNotes(written: string, base: number): DependencyMention[] {
  const notes: DependencyMention[] = [];
  for (const item of splitItems(withoutCode(written, CODE_MARK))) {
    const itemText = written.slice(item.index, item.index + item.text.length);
    if (!isExternal(itemText)) break;
    const text = clean(itemText);
    if (text === '') continue;
    notes.push({
      text,
      offset: base + item.index + Math.max(0, itemText.indexOf(text)),
      strength: 'stated',
      external: true,
    });
  }
  return notes;
}

/**
 * Where the words after a dependency verb start in the line as written: the match's own trailing
 * space may have run on into a blanked code span ("depends on `web-features`").
 */
function afterVerb(line: string, verb: RegExpExecArray): number {
  let from = verb.index + (verb[1] ?? '').length;
  while (from < line.length && /\s/.test(line[from]!)) from++;
  return from;
}

/**
 * Every dependency one line of prose states (see the module comment for the rule). Code fences are
 * the caller's; code spans are blanked here.
 */
export function mentionsInProse(
  line: string,
  lineOffset: number,
  /** Also the free words after a dependency word (`clause` mentions), for titles named without quotes. */
  withClauses = false,
): DependencyMention[] {
  const prose = withoutCode(line);
  const quotes = quotedRanges(prose);
  const mentions: DependencyMention[] = [];
  const claimed: [number, number][] = [];
  STATED.lastIndex = 0;
  for (let m = STATED.exec(prose); m; m = STATED.exec(prose)) {
    const from = afterVerb(line, m);
    const to = clauseEnd(prose, from);
    // The whole clause is the statement's, even a negated one: no "after" inside it counts apart.
    claimed.push([m.index, to]);
    const clause = prose.slice(from, to);
    if (notUsedAsDependency(prose, m.index, quotes) || CONDITIONAL.test(clause)) continue;
    if (m[1]?.endsWith(':')) {
      // "… Prerequisites: Node 20, Story 1.1." is a list however it is laid out.
      mentions.push(...statedItems(line.slice(from, to), lineOffset + from));
      continue;
    }
    const pieces = leadingPieces(clause, shapedIn(clause));
    const lookBehind = Math.max(0, m.index - LOOK_BEHIND);
    const subject = SUBJECT_BEFORE.exec(prose.slice(lookBehind, m.index));
    for (const piece of pieces) {
      const mention = mentionOf(piece, line.slice(from, to), lineOffset + from, 'stated');
      if (!mention) continue;
      mentions.push(
        subject?.[1] !== undefined
          ? { ...mention, subject: { text: subject[1], offset: lineOffset + lookBehind + subject.index } }
          : mention,
      );
    }
    if (pieces.length === 0) {
      mentions.push(...externalNotes(line.slice(from, to), lineOffset + from));
      if (withClauses) mentions.push(...clauseMention(clause, lineOffset + from));
    }
  }
  LOOSE.lastIndex = 0;
  for (let m = LOOSE.exec(prose); m; m = LOOSE.exec(prose)) {
    if (claimed.some(([a, b]) => m!.index >= a && m!.index < b)) continue;
    if (notUsedAsDependency(prose, m.index, quotes)) continue;
    const from = afterVerb(line, m);
    const to = clauseEnd(prose, from);
    const clause = prose.slice(from, to);
    const loosePieces = leadingPieces(clause, shapedIn(clause));
    if (loosePieces.length === 0 && withClauses) mentions.push(...clauseMention(clause, lineOffset + from));
    for (const piece of loosePieces) {
      if (piece.kind === 'quoted' || piece.kind === 'link') {
        // After an everyday word a quoted or linked title must stand as a whole: "after "Card
        // payments" succeeds", not "after “late” phase processing" or "after the [targets](#t) sections".
        const rest = clause.slice(piece.index + piece.text.length + (piece.kind === 'quoted' ? 1 : 0));
        if (!STANDS_ALONE.test(rest)) continue;
      }
      const mention = mentionOf(piece, line.slice(from, to), lineOffset + from, 'loose');
      if (mention) mentions.push(mention);
    }
  }
  return mentions;
}

function clauseMention(clause: string, offset: number): DependencyMention[] {
  const text = clause.trim();
  if (text === '' || CONDITIONAL.test(text)) return [];
  return [{ text: text.slice(0, 300), offset, strength: 'loose', external: false, clause: true }];
}

const LABELLED_WHOLE = new RegExp(`^(${REFERENCE_LABEL_WORDS})\\s*#?(${NUMBER})$`, 'i');
const NUMBER_WHOLE = new RegExp(`^(?:section\\s*|§\\s*|#)?(${NUMBER})\\.?$`, 'i');
const LINK_WHOLE = /^\[([^\]\n]*)\]\(#([^)\s]*)\)$/;

/**
 * True when the whole text is reference-shaped: a labelled number ("Story 2.1"), a section or
 * dotted number ("section 3", "1.2"), an in-document link, a heading path ("Backend > Auth"), or a
 * quoted title.
 */
export function namesReference(text: string): boolean {
  const trimmed = text.trim();
  if (/^(?:"[^"\n]+"|“[^”\n]+”)$/.test(trimmed)) return true;
  const reference = parseReference(clean(trimmed));
  // "Backend > Auth" is a heading path; "read / write" is English.
  if (reference.type === 'path') return /\s[>›»]\s/.test(trimmed);
  return reference.type === 'labelled' || reference.type === 'number' || reference.type === 'anchor';
}

/** How a mention's text names a node: "Story 1.2", "1.2", "Phase 1 > Login", a link, or a title. */
export function parseReference(text: string): Reference {
  const trimmed = text.trim();
  const link = LINK_WHOLE.exec(trimmed);
  if (link) return { type: 'anchor', slug: decodeSlug(link[2] ?? ''), text: link[1] ?? '' };
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

/** A link's anchor as written ("#story-1-2%3A-login"), decoded when it is valid percent-encoding. */
function decodeSlug(slug: string): string {
  try {
    return decodeURIComponent(slug).toLowerCase();
  } catch {
    return slug.toLowerCase();
  }
}
