import { GAP_KINDS, type Gap, type GapKind, type RiskLevel } from '@autopilot/contracts';
import type { ContentHash } from '@autopilot/kernel';
import { contentId } from '../content-id';
import { clutterGaps } from './gap-clutter';
import { docDriftGaps } from './gap-doc-drift';
import { lockfileGaps } from './gap-lockfiles';
import { projectFileGaps } from './gap-project-files';
import { indexSnapshot, type GapFinding } from './gap-repo-index';
import { secretGaps } from './gap-secrets';
import type { RepoSnapshot } from './gap-snapshot';
import { testGaps } from './gap-tests';

/**
 * The gap scanner: a repository snapshot in, a GapReport v1 out. Read-only and rule-based (no LLM,
 * no command run), and deterministic: gaps are sorted (blocking first, then risk, kind, id), ids
 * come from what each gap is about, and the report holds no clock, so an identical repository state
 * gives a byte-identical report. The time a report was made lives outside it (`createdAt` on the
 * event, from the Clock).
 */

export const GAP_REPORT_FORMAT_VERSION = 1;
/** The contract's bound on gaps per report; the least severe are dropped past it. */
export const MAX_GAPS = 500;

export interface GapScanOptions {
  /** Add a `tests_not_run` gap naming the test commands (the scanner never runs them). */
  readonly reportTestsNotRun?: boolean;
}

/** A repository gap report: the GapReport v1 body, without project, trigger or timestamp. */
export interface RepoGapReport {
  readonly id: string;
  readonly formatVersion: 1;
  readonly scope: 'repo';
  readonly commit?: string;
  readonly summary: string;
  readonly gaps: Gap[];
}

const RISK_ORDER: Readonly<Record<RiskLevel, number>> = { high: 0, medium: 1, low: 2 };
/** Among equally severe gaps, the most urgent kinds first (a leaked secret before a missing test). */
const URGENT_KINDS: readonly GapKind[] = [
  'protected_path_violation',
  'missing_test_command',
  'missing_tests',
  'lockfile_drift',
  'large_binary',
  'doc_drift',
  'stray_files',
  'root_clutter',
  'missing_readme',
  'missing_license',
  'tests_not_run',
];
const KIND_ORDER = new Map<GapKind, number>(
  [...URGENT_KINDS, ...GAP_KINDS.filter((k) => !URGENT_KINDS.includes(k))].map((kind, i) => [kind, i]),
);

/** The gap report of a snapshot; `hash` derives gap and report ids (the kernel's `sha256Hex`). */
export function scanGaps(
  snapshot: RepoSnapshot,
  options: GapScanOptions & { readonly hash: ContentHash },
): RepoGapReport {
  const index = indexSnapshot(snapshot);
  const partial = snapshot.totalFiles !== undefined && snapshot.totalFiles > snapshot.files.length;
  const findings: GapFinding[] = [
    ...secretGaps(index),
    ...testGaps(index, options),
    ...docDriftGaps(index),
    ...lockfileGaps(index),
    ...clutterGaps(index),
    ...projectFileGaps(index),
  ].filter((f) => !partial || !judgesAbsence(f));
  const gaps = findings
    .map((f): Gap => ({
      id: contentId('gap', [f.kind, f.key], options.hash),
      kind: f.kind,
      title: f.title.length > 300 ? `${f.title.slice(0, 299)}…` : f.title,
      detail: f.detail.length > 4000 ? `${f.detail.slice(0, 3999)}…` : f.detail,
      evidence: [...f.evidence],
      risk: f.risk,
      blocking: f.blocking,
    }))
    .sort(compareGaps)
    .slice(0, MAX_GAPS);

  const body = {
    formatVersion: GAP_REPORT_FORMAT_VERSION,
    scope: 'repo',
    commit: snapshot.commit ?? '',
    gaps,
  };
  const report: RepoGapReport = {
    id: contentId('gaps', [JSON.stringify(body)], options.hash),
    formatVersion: GAP_REPORT_FORMAT_VERSION,
    scope: 'repo',
    ...(snapshot.commit !== undefined ? { commit: snapshot.commit } : {}),
    summary:
      summarize(gaps, findings.length) +
      (partial
        ? ` Judged on ${snapshot.files.length} of ${snapshot.totalFiles} files (the shallowest): ` +
          'missing tests and missing paths were not judged.'
        : ''),
    gaps,
  };
  return report;
}

/**
 * A finding that says something is absent from the whole tree (no tests under a directory, a path
 * the README names): a partial file list cannot support it, so it is left out rather than guessed.
 */
function judgesAbsence(finding: GapFinding): boolean {
  return (
    finding.kind === 'missing_tests' || (finding.kind === 'doc_drift' && finding.key.startsWith('path:'))
  );
}

function compareGaps(a: Gap, b: Gap): number {
  return (
    Number(b.blocking) - Number(a.blocking) ||
    RISK_ORDER[a.risk] - RISK_ORDER[b.risk] ||
    (KIND_ORDER.get(a.kind) ?? 0) - (KIND_ORDER.get(b.kind) ?? 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function summarize(gaps: readonly Gap[], found: number): string {
  if (gaps.length === 0) return 'No gaps found: nothing blocks autopilot on this repository.';
  const blocking = gaps.filter((g) => g.blocking).length;
  const counts = new Map<GapKind, number>();
  for (const gap of gaps) counts.set(gap.kind, (counts.get(gap.kind) ?? 0) + 1);
  const byKind = [...counts]
    .sort(([a], [b]) => (KIND_ORDER.get(a) ?? 0) - (KIND_ORDER.get(b) ?? 0))
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  const verdict = blocking > 0 ? `${blocking} block autopilot until fixed.` : 'None blocks autopilot.';
  const dropped = found > gaps.length ? ` ${found - gaps.length} less severe gaps were left out.` : '';
  return `${gaps.length} gap(s): ${byKind}. ${verdict}${dropped}`;
}
