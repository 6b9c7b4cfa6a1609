import type {
  Gap,
  GapKind,
  IntentionAnchor,
  PivotType,
  ProposalAction,
  ProposalActionKind,
} from '@autopilot/contracts';
import { AutopilotError, type ContentHash } from '@autopilot/kernel';
import { contentId } from '../content-id';
import type { RepoGapReport } from '../gaps/gap-report';
import { PIVOTS } from '../anchor/pivot-types';
import { classifyAction } from './proposal-policy';

/**
 * The plan proposer: an intention anchor and a gap report in, a PlanProposal v1 out: a bounded list
 * of repository actions, each risk-scored (0 harmless .. 1 most dangerous) and classed
 * auto-approvable or needs-approval by `proposal-policy.ts` (default deny). The anchor supplies
 * the why (the pivot each action serves, quoted) and the project's own protected paths (paths in
 * code spans of its safety, scope and governance statements). Pure and deterministic.
 */

export const PLAN_PROPOSAL_FORMAT_VERSION = 1;
/** Default bound on actions; a person should review a proposal in one sitting. */
export const DEFAULT_MAX_ACTIONS = 20;
/** The contract's bound. */
export const MAX_ACTIONS_LIMIT = 50;

export interface ProposeOptions {
  /** The content hash of proposal and action ids (the kernel's `sha256Hex` in production). */
  readonly hash: ContentHash;
  /** At most this many actions (1..50, default 20); the rest are counted in `droppedActions`. */
  readonly maxActions?: number;
}

/** The PlanProposal v1 body, without project, plan and timestamp (the app adds those). */
export interface RepoPlanProposal {
  readonly id: string;
  readonly formatVersion: 1;
  readonly anchorId: string;
  readonly gapReportId: string;
  readonly title: string;
  readonly rationale: string;
  readonly actions: ProposalAction[];
  readonly droppedActions: number;
}

/** The bound on actions is not a whole number within 1..50. */
export class ProposalBoundError extends AutopilotError {
  readonly code = 'PLANNER_PROPOSAL_BOUND_INVALID';
  constructor(readonly maxActions: number) {
    super(`maxActions must be a whole number from 1 to ${MAX_ACTIONS_LIMIT}, got ${maxActions}`);
  }
}

interface ActionTemplate {
  readonly kind: ProposalActionKind;
  /** Base risk of the kind, before the gap's own risk is added. */
  readonly risk: number;
  readonly pivot: PivotType;
  readonly summary: (targets: readonly string[]) => string;
}

const list = (targets: readonly string[]) =>
  targets.length <= 5
    ? targets.join(', ')
    : `${targets.slice(0, 5).join(', ')} and ${targets.length - 5} more`;

/** What answers each kind of gap. Kinds without an entry (plan-level gaps) get no repository action. */
const TEMPLATES: Partial<Record<GapKind, ActionTemplate>> = {
  protected_path_violation: {
    kind: 'rotate_secret',
    risk: 0.9,
    pivot: 'safety',
    summary: (t) => `Rotate the credentials in ${list(t)}, remove the file from git and ignore it`,
  },
  missing_tests: {
    kind: 'add_tests',
    risk: 0.1,
    pivot: 'evidence',
    summary: (t) => `Add tests covering ${list(t)}`,
  },
  missing_test_command: {
    kind: 'add_test_command',
    risk: 0.3,
    pivot: 'evidence',
    summary: (t) => `Define a test command in ${list(t)}`,
  },
  tests_not_run: {
    kind: 'run_tests',
    risk: 0.05,
    pivot: 'evidence',
    summary: (t) => `Run the test commands of ${list(t)} in a sandbox and report the result`,
  },
  doc_drift: {
    kind: 'fix_docs',
    risk: 0.1,
    pivot: 'memory',
    summary: (t) => `Bring ${list(t)} in line with the repository's scripts and paths`,
  },
  root_clutter: {
    kind: 'tidy_root',
    risk: 0.4,
    pivot: 'scope',
    summary: () => 'Move loose root files into folders and update what refers to them',
  },
  stray_files: {
    kind: 'remove_clutter',
    risk: 0.1,
    pivot: 'scope',
    summary: (t) => `Remove ${list(t)} from git and add them to .gitignore`,
  },
  lockfile_drift: {
    kind: 'fix_lockfile',
    risk: 0.4,
    pivot: 'safety',
    summary: (t) => `Settle on one package manager and one up-to-date lockfile (${list(t)})`,
  },
  large_binary: {
    kind: 'untrack_binary',
    risk: 0.4,
    pivot: 'scope',
    summary: (t) => `Move ${list(t)} out of git (Git LFS or an artifact store)`,
  },
  missing_license: {
    kind: 'add_license',
    risk: 0.3,
    pivot: 'governance',
    summary: () => 'Add a LICENSE file with the license the owners choose',
  },
  missing_readme: {
    kind: 'add_readme',
    risk: 0.05,
    pivot: 'memory',
    summary: () => 'Add a README saying what the project is and how to build and test it',
  },
};

const GAP_RISK_BUMP = { low: 0, medium: 0.1, high: 0.2 } as const;
/** Pivots whose code-span paths the project has drawn a line around. */
const PROTECTING_PIVOTS: ReadonlySet<PivotType> = new Set<PivotType>(['safety', 'scope', 'governance']);

export function proposePlan(
  anchor: IntentionAnchor,
  report: RepoGapReport,
  options: ProposeOptions,
): RepoPlanProposal | undefined {
  const maxActions = options.maxActions ?? DEFAULT_MAX_ACTIONS;
  if (!Number.isInteger(maxActions) || maxActions < 1 || maxActions > MAX_ACTIONS_LIMIT) {
    throw new ProposalBoundError(maxActions);
  }
  const protectedGlobs = protectedGlobsOf(anchor);

  // One action per (kind, targets): three README drifts are one docs fix. Report order is kept,
  // and the report is sorted blocking-first, so the bound drops the least urgent actions.
  const groups = new Map<string, { template: ActionTemplate; targets: string[]; gaps: Gap[] }>();
  for (const gap of report.gaps) {
    const template = TEMPLATES[gap.kind];
    if (template === undefined) continue;
    const targets = targetsOf(gap);
    const key = `${template.kind}\u0000${template.kind === 'fix_docs' ? '' : targets.join('\u0000')}`;
    const group = groups.get(key) ?? { template, targets: [], gaps: [] };
    for (const t of targets) if (!group.targets.includes(t)) group.targets.push(t);
    group.gaps.push(gap);
    groups.set(key, group);
  }
  if (groups.size === 0) return undefined;

  const all = [...groups.values()].map(({ template, targets, gaps }): ProposalAction => {
    const worst = gaps.reduce((w, g) => Math.max(w, GAP_RISK_BUMP[g.risk]), 0);
    const riskScore = Math.round(Math.min(1, template.risk + worst) * 100) / 100;
    const targetPaths = targets.slice(0, 100);
    const decision = classifyAction(template.kind, riskScore, targetPaths, protectedGlobs);
    return {
      id: contentId('action', [template.kind, ...targetPaths], options.hash),
      kind: template.kind,
      summary: clip(template.summary(targetPaths), 1000),
      riskScore,
      approval: decision.approval,
      targetPaths,
      rationale: clip(rationaleOf(anchor, template.pivot, gaps), 2000),
      gapIds: gaps.slice(0, 50).map((g) => g.id),
      approvalReasons: decision.reasons.map((r) => clip(r, 300)),
    };
  });
  const actions = all.slice(0, maxActions);
  const needApproval = actions.filter((a) => a.approval === 'needs_approval').length;
  const unstated = (anchor.questions ?? []).map((q) => PIVOTS[q.pivot].label);

  return {
    id: contentId('proposal', [anchor.id, report.id, JSON.stringify(actions)], options.hash),
    formatVersion: PLAN_PROPOSAL_FORMAT_VERSION,
    anchorId: anchor.id,
    gapReportId: report.id,
    title: `${actions.length} action(s) for ${report.gaps.length} gap(s); ${needApproval} need approval`,
    rationale: clip(
      `Answers gap report ${report.id} against intention anchor ${anchor.id}. ` +
        `Actions for blocking gaps come first; only low-risk kinds on unprotected paths may apply without a person.` +
        (all.length > actions.length
          ? ` ${all.length - actions.length} further action(s) wait for a later proposal.`
          : '') +
        (unstated.length > 0
          ? ` The anchor leaves unstated: ${unstated.join('; ')}; settle them before approving.`
          : ''),
      4000,
    ),
    actions,
    droppedActions: all.length - actions.length,
  };
}

/** Where a gap's fix lands: its evidence paths, except for doc fixes, which land in the README. */
function targetsOf(gap: Gap): string[] {
  const refs = gap.evidence.filter((e) => e.kind === 'repo_path').map((e) => e.ref);
  switch (gap.kind) {
    case 'doc_drift': {
      const readme = refs.find((r) => /^readme(\.[a-z]+)?$/i.test(r));
      return [readme ?? 'README.md'];
    }
    case 'missing_readme':
      return ['README.md'];
    case 'missing_license':
      return ['LICENSE'];
    case 'missing_requirement':
    case 'ambiguous_requirement':
    case 'contradiction':
    case 'unimplemented':
    case 'untested':
    case 'drift':
    case 'dependency':
    case 'missing_tests':
    case 'missing_test_command':
    case 'tests_not_run':
    case 'protected_path_violation':
    case 'root_clutter':
    case 'stray_files':
    case 'lockfile_drift':
    case 'large_binary':
      return [...new Set(refs)];
    default: {
      const unknown: never = gap.kind;
      throw new Error(`unknown gap kind ${String(unknown)}`);
    }
  }
}

/** Why an action: the gaps it closes and the pivot it serves, quoting the anchor when it states it. */
function rationaleOf(anchor: IntentionAnchor, pivot: PivotType, gaps: readonly Gap[]): string {
  const titles = gaps
    .slice(0, 3)
    .map((g) => `"${g.title}"`)
    .join(', ');
  const more = gaps.length > 3 ? ` and ${gaps.length - 3} more` : '';
  const stated = anchor.typedPivots?.find((p) => p.type === pivot)?.statements[0];
  const label = PIVOTS[pivot].label;
  const serves = stated
    ? `Serves ${label}: "${clip(stated.text.replace(/\s+/g, ' '), 300)}".`
    : `Serves ${label}, which the anchor does not state yet.`;
  return `Closes ${titles}${more}. ${serves}`;
}

/**
 * Globs the anchor protects: paths written in code spans of its safety, scope and governance
 * statements (`legacy/billing/` protects everything below it). Only quoted paths count, so nothing
 * is read into plain words.
 */
export function protectedGlobsOf(anchor: IntentionAnchor): string[] {
  const globs = new Set<string>();
  for (const pivot of anchor.typedPivots ?? []) {
    if (!PROTECTING_PIVOTS.has(pivot.type)) continue;
    for (const statement of pivot.statements) {
      for (const [, span] of statement.text.matchAll(/`([^`\s]+)`/g)) {
        const path = span!.replace(/^\.\//, '');
        if (!/[/*]/.test(path) || path.startsWith('/') || path.includes('..')) continue;
        globs.add(path.endsWith('/') ? `${path}**` : path);
      }
    }
  }
  return [...globs].sort();
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
