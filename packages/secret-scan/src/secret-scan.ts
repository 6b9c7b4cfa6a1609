import { SECRET_RULES, shannonEntropy, type SecretRule } from './secret-rules';

/** Secret-shaped text at `[start, end)` of a text, found by rule `rule`. Never holds the text itself. */
export interface SecretFinding {
  readonly rule: string;
  readonly start: number;
  readonly end: number;
}

/** What replaces a secret wherever it would be shown or sent. */
export function secretMarker(rule: string): string {
  return `[redacted: ${rule}]`;
}

/** The rule's description for a warning ("a GitHub personal access token"), or the id itself. */
export function describeSecretRule(rule: string): string {
  return SECRET_RULES.find((r) => r.id === rule)?.description ?? rule;
}

/**
 * Every secret-shaped range of `text`, in order and never overlapping (overlapping matches of
 * several rules become one range named by the earliest rule of the table). Pure and linear in the
 * text: each rule runs once, and only when one of its keywords occurs.
 */
export function findSecrets(text: string, rules: readonly SecretRule[] = SECRET_RULES): SecretFinding[] {
  if (text.length === 0) return [];
  const lower = text.toLowerCase();
  const candidates: { finding: SecretFinding; priority: number }[] = [];
  rules.forEach((rule, priority) => {
    if (!rule.keywords.some((k) => lower.includes(k))) return;
    // A fresh copy per scan: `lastIndex` is state, and the table is shared.
    const pattern = new RegExp(rule.pattern.source, rule.pattern.flags);
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      if (m[0].length === 0) {
        pattern.lastIndex++;
        continue;
      }
      const [start, end] = m.indices?.[1] ?? m.indices?.[0] ?? [m.index, m.index + m[0].length];
      const secret = text.slice(start, end);
      if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) continue;
      if (rule.ignore?.(secret)) continue;
      candidates.push({ finding: { rule: rule.id, start, end }, priority });
    }
  });
  return mergeRanges(candidates);
}

/**
 * Findings from several scans (another service's and one's own) as one ordered list without
 * overlaps: overlapping ranges are joined, named by the first of them.
 */
export function mergeSecretFindings(findings: readonly SecretFinding[]): SecretFinding[] {
  return mergeRanges(findings.map((finding, priority) => ({ finding, priority })));
}

function mergeRanges(candidates: { finding: SecretFinding; priority: number }[]): SecretFinding[] {
  candidates.sort((a, b) => a.finding.start - b.finding.start || b.finding.end - a.finding.end);
  const merged: SecretFinding[] = [];
  let current: { rule: string; start: number; end: number; priority: number } | undefined;
  for (const { finding, priority } of candidates) {
    if (current && finding.start < current.end) {
      current.end = Math.max(current.end, finding.end);
      if (priority < current.priority) {
        current.rule = finding.rule;
        current.priority = priority;
      }
      continue;
    }
    if (current) merged.push({ rule: current.rule, start: current.start, end: current.end });
    current = { ...finding, priority };
  }
  if (current) merged.push({ rule: current.rule, start: current.start, end: current.end });
  return merged;
}

/**
 * `text` with each finding replaced by its marker. `findings` must be ordered and not overlap (as
 * findSecrets and mergeSecretFindings return them); without them the text is scanned first. A
 * range that holds line breaks keeps them after its marker, so line numbers stay true.
 */
export function redactSecrets(text: string, findings: readonly SecretFinding[] = findSecrets(text)): string {
  if (findings.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const f of findings) {
    const start = Math.max(f.start, at);
    const end = Math.min(Math.max(f.end, start), text.length);
    parts.push(text.slice(at, start), replacementFor(text, f.rule, start, end));
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** The marker for `[start, end)` of `text`, followed by the line breaks the range held. */
export function replacementFor(text: string, rule: string, start: number, end: number): string {
  let breaks = 0;
  for (let i = text.indexOf('\n', start); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) breaks++;
  return secretMarker(rule) + '\n'.repeat(breaks);
}
