import { findSecrets, type SecretFinding } from './secret-scan';
import { SECRET_RULES, type SecretRule } from './secret-rules';

/**
 * One edit of a text: `[start, end)` of the earlier text replaced by `text` (the shape of
 * `blueprint.ingested` v2's text edits, so they can be passed as they are).
 */
export interface SecretScanEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** What the scan of an earlier text leaves for the scan of the text its edits made. */
export interface EarlierSecretScan {
  /** `findSecrets` of the earlier text with the same rules, whole (not cut short). */
  readonly findings: readonly SecretFinding[];
  /** The edits that made the text from the earlier one: in order, not overlapping, earlier offsets. */
  readonly edits: readonly SecretScanEdit[];
}

/**
 * After an edit: a longer rescan would re-read most of the text anyway, so past this many steps a
 * rescan window stops growing and runs to the text's end (only a text dense with PEM BEGIN lines
 * gets there).
 */
const MAX_WINDOW_STEPS = 64;

/**
 * `findSecrets(text, rules)`, equal to it, at the cost of the edited part: the earlier text's
 * findings are kept (moved by the edits) outside a window around the edits, and only the window is
 * scanned again. Why that is the same as a whole scan:
 *
 * - The window starts and ends at line starts. A rule without `spansLines` never matches a line
 *   break and reads nothing past the one after its match, so its matches in a line depend on that
 *   line only; no match (and so no finding, which is a union of overlapping matches) crosses a
 *   line start.
 * - A rule with `spansLines` matches only from its opener, and an attempt reads at most `reach`
 *   characters: the window's start has no opener within `reach` before it (what is before it then
 *   scans as it did in the earlier text, whatever the edit did after it); nor has its end, in the
 *   new text, and no earlier finding crosses its end (those rules have no filters: every match is
 *   in a finding), so what follows it scans as it did.
 * - Each rule's matches are found left to right, each search starting where the last match ended;
 *   with no match crossing the window's ends, a search started at either end finds what the whole
 *   scan finds. Within the window, `findSecrets` of the window's text: a rule's keyword gate sees the
 *   window only, which is the same, because every match holds one of its keywords.
 *
 * Edits that do not fit the text (out of order, past its end) get a whole scan.
 */
export function findSecretsAfterEdits(
  text: string,
  earlier: EarlierSecretScan,
  rules: readonly SecretRule[] = SECRET_RULES,
): SecretFinding[] {
  const { findings, edits } = earlier;
  if (edits.length === 0) return [...findings];
  const span = editedSpan(edits, text.length);
  if (!span) return findSecrets(text, rules);
  const openers = rules.flatMap((rule) =>
    rule.spansLines
      ? [
          {
            pattern: openerPattern(rule.spansLines.opener, rule.pattern.flags),
            length: rule.spansLines.opener.length,
            reach: rule.spansLines.reach,
          },
        ]
      : [],
  );
  const from = windowStart(text, span.from, openers);
  const to = windowEnd(text, span.to, span.shift, findings, openers);
  const kept = firstAtOrAfter(findings, from);
  const resumed = firstAtOrAfter(findings, to - span.shift);
  const out: SecretFinding[] = findings.slice(0, kept);
  const window = from === 0 && to === text.length ? text : text.slice(from, to);
  for (const f of findSecrets(window, rules))
    out.push({ rule: f.rule, start: f.start + from, end: f.end + from });
  for (let i = resumed; i < findings.length; i++) {
    const f = findings[i]!;
    out.push({ rule: f.rule, start: f.start + span.shift, end: f.end + span.shift });
  }
  return out;
}

/** A multi-line rule's opener, case-folded as the rule's own pattern folds it. */
interface Opener {
  readonly pattern: RegExp;
  readonly length: number;
  readonly reach: number;
}

function openerPattern(opener: string, flags: string): RegExp {
  const escaped = opener.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return new RegExp(escaped, flags.includes('i') ? 'gi' : 'g');
}

/**
 * The edits as one span of the new text, `[from, to)`, and how far they move what follows; undefined
 * when they do not fit a text of `length` characters.
 */
function editedSpan(
  edits: readonly SecretScanEdit[],
  length: number,
): { from: number; to: number; shift: number } | undefined {
  let shift = 0;
  let at = 0;
  for (const e of edits) {
    if (e.start < at || e.end < e.start) return undefined;
    shift += e.text.length - (e.end - e.start);
    at = e.end;
  }
  const from = edits[0]!.start;
  const to = at + shift;
  return from < 0 || to > length || to < from ? undefined : { from, to, shift };
}

/**
 * Where the window starts: the last line start at or before `from` with no opener of a multi-line
 * rule within its reach before it. The text before it is the earlier text's.
 */
function windowStart(text: string, from: number, openers: readonly Opener[]): number {
  let start = lineStartAtOrBefore(text, from);
  for (let step = 0; step < MAX_WINDOW_STEPS; step++) {
    let earliest = -1;
    for (const o of openers) {
      const at = firstMatch(text, o, Math.max(0, start - o.reach), start);
      if (at !== -1 && (earliest === -1 || at < earliest)) earliest = at;
    }
    // Every line start between this opener's line and `start` has it within reach too.
    if (earliest === -1) return start;
    start = lineStartAtOrBefore(text, earliest);
  }
  return 0;
}

/**
 * Where the window ends (new-text offset): the first line start after `to` (so after the edit's last
 * character) with no opener within reach before it in the new text and no earlier finding across it
 * in the earlier text. The text after it is the earlier text's, moved by `shift`.
 */
function windowEnd(
  text: string,
  to: number,
  shift: number,
  earlier: readonly SecretFinding[],
  openers: readonly Opener[],
): number {
  let end = lineStartFrom(text, to + 1);
  for (let step = 0; step < MAX_WINDOW_STEPS && end < text.length; step++) {
    let needed = end;
    for (const o of openers) {
      const at = lastMatch(text, o, Math.max(0, end - o.reach), end);
      if (at !== -1) needed = Math.max(needed, at + o.reach + 1);
    }
    const across = findingAcross(earlier, end - shift);
    if (across) needed = Math.max(needed, across.end + shift);
    if (needed === end) return end;
    end = lineStartFrom(text, needed);
  }
  return text.length;
}

/** The last line start at or before `offset`. */
function lineStartAtOrBefore(text: string, offset: number): number {
  return offset <= 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1;
}

/** The first line start at or after `offset` (the text's length when there is none). */
function lineStartFrom(text: string, offset: number): number {
  if (offset >= text.length) return text.length;
  if (offset === 0 || text.charCodeAt(offset - 1) === 0x0a) return offset;
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

/** Where the opener first occurs starting in `[from, to)` of `text`, -1 if nowhere. */
function firstMatch(text: string, opener: Opener, from: number, to: number): number {
  const at = openersIn(text, opener, from, to);
  return at.length > 0 ? at[0]! : -1;
}

/** Where the opener last occurs starting in `[from, to)` of `text`, -1 if nowhere. */
function lastMatch(text: string, opener: Opener, from: number, to: number): number {
  const at = openersIn(text, opener, from, to);
  return at.length > 0 ? at[at.length - 1]! : -1;
}

/** Offsets of the opener's occurrences that start in `[from, to)`, in order. */
function openersIn(text: string, { pattern, length }: Opener, from: number, to: number): number[] {
  if (from >= to) return [];
  // Searched in a slice: on the whole text, a search that finds nothing would read on to its end.
  const slice = text.slice(from, Math.min(text.length, to + length - 1));
  const out: number[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(slice); m !== null && m.index < to - from; m = pattern.exec(slice)) {
    out.push(from + m.index);
    // Overlapping occurrences count too (an opener may start inside another's text).
    pattern.lastIndex = m.index + 1;
  }
  return out;
}

/** Index of the first finding that starts at or after `offset`. */
function firstAtOrAfter(findings: readonly SecretFinding[], offset: number): number {
  let lo = 0;
  let hi = findings.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (findings[mid]!.start < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The finding that starts before `offset` and ends after it, if one does. */
function findingAcross(findings: readonly SecretFinding[], offset: number): SecretFinding | undefined {
  const before = findings[firstAtOrAfter(findings, offset) - 1];
  return before && before.end > offset ? before : undefined;
}
