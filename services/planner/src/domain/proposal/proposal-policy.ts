import type { ProposalActionKind } from '@autopilot/contracts';
import { firstMatchingGlob } from '../gaps/gap-path-glob';

/**
 * Which proposed actions may apply without a person (DESIGN.md section 6: default deny). An action
 * is auto-approvable only when every rule below lets it through; anything else, including a kind
 * this file does not list, needs approval.
 */

/**
 * Paths no action ever touches without a person, whatever its risk score or autonomy mode: git
 * internals, CI, keys and secrets, lockfiles (a dependency change is a supply-chain change),
 * deployment and infrastructure, database migrations.
 */
export const NEVER_AUTO_APPROVE: readonly string[] = [
  '.git/**',
  '.github/workflows/**',
  '.gitlab-ci.yml',
  '**/*.pem',
  '**/*.key',
  '**/id_rsa*',
  '**/.env*',
  '**/.npmrc',
  '**/secrets/**',
  '**/*.tfstate*',
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/bun.lock*',
  '**/Cargo.lock',
  '**/poetry.lock',
  '**/Pipfile.lock',
  '**/Gemfile.lock',
  '**/composer.lock',
  '**/go.sum',
  'deploy/**',
  'infra/**',
  '**/migrations/**',
];

/** Kinds that add tests or docs, delete clutter, or only run tests: the low-risk ones. */
export const AUTO_APPROVABLE_KINDS: ReadonlySet<ProposalActionKind> = new Set<ProposalActionKind>([
  'add_tests',
  'fix_docs',
  'remove_clutter',
  'add_readme',
  'run_tests',
]);

/** Highest risk score (0 harmless .. 1 most dangerous) an action may have and still apply alone. */
export const AUTO_APPROVE_MAX_RISK = 0.3;

export interface ApprovalDecision {
  readonly approval: 'auto_approvable' | 'needs_approval';
  readonly reasons: string[];
}

/**
 * Classifies one action. `protectedGlobs` are the project's own (from the anchor); each is checked
 * like NEVER_AUTO_APPROVE. Reasons list every rule that denied, or say why it was allowed.
 */
export function classifyAction(
  kind: ProposalActionKind,
  riskScore: number,
  targetPaths: readonly string[],
  protectedGlobs: readonly string[] = [],
): ApprovalDecision {
  const reasons: string[] = [];
  if (!AUTO_APPROVABLE_KINDS.has(kind)) reasons.push(`${kind} is not a low-risk kind`);
  if (riskScore > AUTO_APPROVE_MAX_RISK) {
    reasons.push(`risk ${riskScore} is above the auto-approve limit ${AUTO_APPROVE_MAX_RISK}`);
  }
  if (targetPaths.length === 0) reasons.push('the action names no target path');
  for (const path of targetPaths) {
    const never = firstMatchingGlob(path, NEVER_AUTO_APPROVE);
    if (never !== undefined) reasons.push(`${path} matches NEVER_AUTO_APPROVE ${never}`);
    const own = firstMatchingGlob(path, protectedGlobs);
    if (own !== undefined) reasons.push(`${path} is protected by the intention anchor (${own})`);
  }
  if (reasons.length > 0) return { approval: 'needs_approval', reasons: reasons.slice(0, 20) };
  return {
    approval: 'auto_approvable',
    reasons: [`${kind} is low-risk, risk ${riskScore} <= ${AUTO_APPROVE_MAX_RISK}, no protected path`],
  };
}
