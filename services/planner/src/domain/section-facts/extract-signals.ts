import type { PlanNodeStatus, RiskLevel } from '@autopilot/contracts';

/**
 * Priority, status and risk as a section states or implies them, read from prose only (code
 * samples say "DELETE FROM" without meaning it).
 */

/**
 * Priority classes, most urgent first. Unmarked work sits between "should" and "could", so an
 * explicit P2/"could" really does come after work nobody graded.
 */
export const PRIORITY_CLASS = { must: 0, should: 1, unmarked: 2, could: 3, later: 4 } as const;

const PRIORITY_TAG = /\bP([0-4])\b/;
const MOSCOW = /\b(must|should|could|won'?t)[- ]have\b/i;
const PRIORITY_FIELD =
  /\bpriority\s*[:=]\s*\**\s*(p?[0-4]|critical|highest|high|medium|normal|low|lowest|must|should|could)\b/i;

function classOfWord(word: string): number | undefined {
  const w = word.toLowerCase();
  if (/^p?[0-4]$/.test(w)) return [0, 1, 3, 4, 4][Number(w.replace('p', ''))];
  if (w === 'critical' || w === 'highest' || w === 'must') return PRIORITY_CLASS.must;
  if (w === 'high' || w === 'should') return PRIORITY_CLASS.should;
  if (w === 'medium' || w === 'normal') return PRIORITY_CLASS.unmarked;
  if (w === 'low' || w === 'could') return PRIORITY_CLASS.could;
  if (w === 'lowest' || w === "won't" || w === 'wont') return PRIORITY_CLASS.later;
  return undefined;
}

/**
 * A heading that is a MoSCoW bucket ("Must have", "Nice to have", "Won't have (this time)"): the
 * priority class of what it lists. Whole headings only: "must include" in a sentence is no grade.
 */
const MOSCOW_HEADING: readonly [RegExp, number][] = [
  // Not "Required" or "Optional": a README lists its settings under those.
  [/^(must[- ]?haves?|must include|must|mvp)$/, PRIORITY_CLASS.must],
  [/^should[- ]?haves?$/, PRIORITY_CLASS.should],
  [/^(could[- ]?haves?|nice[- ]to[- ]haves?|stretch( goals?)?)$/, PRIORITY_CLASS.could],
  [/^won'?t[- ]?haves?( this time)?$/, PRIORITY_CLASS.later],
];

/** The priority class a MoSCoW heading grades its items with, if the heading is one. */
export function moscowHeading(title: string): number | undefined {
  const name = title
    .toLowerCase()
    .replace(/[*_`]/g, '')
    .replace(/\s*\([^)]*\)\s*$/, '')
    .replace(/[:.!]+$/, '')
    .trim();
  return MOSCOW_HEADING.find(([pattern]) => pattern.test(name))?.[1];
}

/** The priority class a line states: "P0", "Priority: high", "must-have". */
export function priorityIn(line: string): number | undefined {
  const field = PRIORITY_FIELD.exec(line);
  if (field) return classOfWord(field[1] ?? '');
  const tag = PRIORITY_TAG.exec(line);
  if (tag) return classOfWord(tag[1] ?? '');
  const moscow = MOSCOW.exec(line);
  if (moscow) return classOfWord(moscow[1] ?? '');
  return undefined;
}

const STATUS_FIELD =
  /\bstatus\s*[:=]\s*\**\s*(done|complete[d]?|finished|shipped|in[ -]progress|wip|doing|started|dropped|cancell?ed|abandoned|won'?t do|planned|todo|to do|not started)\b/i;
const TITLE_DONE = /\((done|complete[d]?|shipped)\)|✅|✔|\[x\]/i;
const TITLE_WIP = /\((wip|in progress|doing)\)|🚧/i;
const TITLE_DROPPED =
  /^~~.*~~$|\((dropped|cancell?ed|won'?t do)\)|\bwon'?t have\b|^(not planned|not doing|won'?t do|dropped|cut|icebox)$/i;

function statusOfWord(word: string): PlanNodeStatus {
  const w = word.toLowerCase();
  if (/^(done|complete|completed|finished|shipped)$/.test(w)) return 'done';
  if (/^(in[ -]progress|wip|doing|started)$/.test(w)) return 'in_progress';
  if (/^(dropped|cancell?ed|abandoned|won'?t do)$/.test(w)) return 'dropped';
  return 'planned';
}

/** The status a heading marks: "(done)", "✅", "~~struck~~", "(WIP)". */
export function statusInTitle(title: string): PlanNodeStatus | undefined {
  const t = title.trim();
  if (TITLE_DROPPED.test(t)) return 'dropped';
  if (TITLE_DONE.test(t)) return 'done';
  if (TITLE_WIP.test(t)) return 'in_progress';
  return undefined;
}

/** The status a line states: "Status: done". */
export function statusIn(line: string): PlanNodeStatus | undefined {
  const m = STATUS_FIELD.exec(line);
  return m ? statusOfWord(m[1] ?? '') : undefined;
}

/** Why a node is risky. Each is one kind of thing that goes wrong badly and is hard to undo. */
export type RiskSignal =
  'migration' | 'auth' | 'payments' | 'security' | 'data_deletion' | 'protected_path' | 'breaking_change';

const RISK_PATTERNS: readonly [RiskSignal, RegExp][] = [
  ['migration', /\b(migrat(e|es|ed|ing|ion|ions)|schema change|alter table|backfill)\b/i],
  [
    'auth',
    /\b(auth|authn|authz|authenticat\w*|authori[sz]\w*|oauth\w*|oidc|sso|saml|log ?in|sign[- ]?in|passwords?|sessions?|permissions?|rbac|acl)\b/i,
  ],
  ['payments', /\b(payments?|billing|stripe|paypal|invoic\w*|credit cards?|card numbers?|refunds?|pci)\b/i],
  [
    'security',
    /\b(security|secrets?|encrypt\w*|decrypt\w*|credentials?|vulnerab\w*|csrf|xss|sql injection|api keys?|private keys?|certificates?|tls)\b/i,
  ],
  [
    'data_deletion',
    /\b(delet(e|es|ed|ing|ion)|drop(s|ping)?\b.{0,30}\b(tables?|columns?|databases?|index|indexes|data)|truncate|purge|wipe|destroy|rm -rf|gdpr erasure|data removal)\b/i,
  ],
  ['breaking_change', /\bbreaking( change)?s?\b|\bbackwards?[- ]incompatible\b/i],
];

/** Risk signals in one line of prose. */
export function riskSignalsIn(line: string): RiskSignal[] {
  const found: RiskSignal[] = [];
  for (const [signal, pattern] of RISK_PATTERNS) if (pattern.test(line)) found.push(signal);
  return found;
}

const PROTECTED_PATH =
  /(^|\/)(\.github\/workflows|\.git|\.gitlab-ci\.yml|\.circleci|\.env(\.[\w-]+)?|secrets?|\.ssh|infra|terraform|deploy|k8s|helm)(\/|$)|\.(pem|key|p12|tfstate)$|(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|go\.sum)$/i;

/** Paths whose change needs a person's approval (DESIGN.md section 6): CI, secrets, infra, lockfiles. */
export function isProtectedPath(path: string): boolean {
  return PROTECTED_PATH.test(path);
}

const EXPLICIT_RISK = /\brisk\s*[:=]\s*\**\s*(low|medium|moderate|high|critical)\b/i;

/** The risk a line states: "Risk: high". */
export function explicitRiskIn(line: string): RiskLevel | undefined {
  const m = EXPLICIT_RISK.exec(line);
  if (!m) return undefined;
  const w = (m[1] ?? '').toLowerCase();
  return w === 'critical' || w === 'high' ? 'high' : w === 'low' ? 'low' : 'medium';
}

/** Signals that are high risk alone: losing data, moving money, touching protected paths, breaking users. */
const HIGH_ALONE: ReadonlySet<RiskSignal> = new Set([
  'data_deletion',
  'payments',
  'protected_path',
  'breaking_change',
]);

/**
 * The risk grade of a set of signals: none is low; one of migration / auth / security is medium;
 * any high-alone signal, or two kinds together, is high.
 */
export function riskOf(signals: ReadonlySet<RiskSignal>): RiskLevel {
  if (signals.size === 0) return 'low';
  for (const s of signals) if (HIGH_ALONE.has(s)) return 'high';
  return signals.size >= 2 ? 'high' : 'medium';
}
