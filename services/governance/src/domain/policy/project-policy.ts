import type { Toolchain } from '@autopilot/contracts';
import type { PolicyActionKind } from './policy-action';

/** A command the project may run without asking, from the repository scan or a person. */
export interface AllowedCommand {
  readonly argv: readonly string[];
  readonly step: 'install' | 'build' | 'test' | 'lint';
  /** Where it runs, relative to the worktree root (`.` for the root). */
  readonly directory: string;
  /** Whether arguments after `argv` are accepted (`npm test -- src/a.test.ts`); exact match otherwise. */
  readonly extraArgs: boolean;
}

/**
 * A narrow rule under which an action that would need approval is allowed alone. It never clears a
 * deny, a NEVER_AUTO_APPROVE or secret path, or a merge.
 */
export interface AutoApprovalRule {
  readonly id: string;
  readonly kinds: readonly PolicyActionKind[];
  /** Every path of the action must match one of these (file actions). */
  readonly pathGlobs?: readonly string[];
  /** The command's argv must start with one of these (commands). */
  readonly argvPrefixes?: readonly (readonly string[])[];
  /** The diff may be this large (lines); without it a too-large diff still needs a person. */
  readonly maxDiffLines?: number;
  readonly maxRiskScore: number;
}

/** What happens to a pending approval nobody answered before it expired. */
export type ExpiryDefault = 'reject' | 'skip_task';

export interface ApprovalSettings {
  readonly expiresAfterMs: number;
  readonly onExpiry: ExpiryDefault;
  readonly remindAfterMs: number;
}

/** A project's policy. Anything it does not allow needs a person, or is denied (DESIGN.md section 6). */
export interface ProjectPolicy {
  /** Writes here need approval (secret files and git internals need it whatever this says). */
  readonly protectedGlobs: readonly string[];
  /** Protected like `protectedGlobs`, unless the task is about dependencies. */
  readonly lockfileGlobs: readonly string[];
  /** Added to the built-in NEVER_AUTO_APPROVE list: a person decides, in every mode. */
  readonly neverAutoApprove: readonly string[];
  readonly commands: readonly AllowedCommand[];
  readonly autoApproval: readonly AutoApprovalRule[];
  /** Insertions plus deletions above which a write needs a person. */
  readonly maxDiffLines: number;
  /** Highest risk score `semi_auto` runs without asking. */
  readonly semiAutoMaxRisk: number;
  readonly network: { readonly install: boolean };
  readonly approvals: ApprovalSettings;
}

/** Always protected, whatever a project's policy says. */
export const MANDATORY_PROTECTED_GLOBS: readonly string[] = ['.git/**', '**/.git/**', '.github/workflows/**'];

/** Paths a person decides about in every mode; no auto-approval rule clears them. */
export const NEVER_AUTO_APPROVE: readonly string[] = [
  '.git/**',
  '**/.git/**',
  '.github/workflows/**',
  '.gitlab-ci.yml',
  '**/*.pem',
  '**/*.key',
  '**/id_rsa*',
  '**/.env*',
  '**/.npmrc',
  '**/secrets/**',
  '**/*.tfstate*',
];

export const DEFAULT_LOCKFILE_GLOBS: readonly string[] = [
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/bun.lock',
  '**/bun.lockb',
  '**/Cargo.lock',
  '**/poetry.lock',
  '**/uv.lock',
  '**/Pipfile.lock',
  '**/Gemfile.lock',
  '**/composer.lock',
  '**/go.sum',
];

export const DEFAULT_PROTECTED_GLOBS: readonly string[] = [
  ...MANDATORY_PROTECTED_GLOBS,
  '.gitlab-ci.yml',
  '**/.env*',
  '**/*.pem',
  '**/*.key',
  '**/secrets/**',
  'deploy/**',
  'infra/**',
  '**/migrations/**',
];

export const DEFAULT_APPROVAL_SETTINGS: ApprovalSettings = {
  expiresAfterMs: 24 * 60 * 60 * 1000,
  onExpiry: 'reject',
  remindAfterMs: 60 * 60 * 1000,
};

const STEPS = [
  ['installCommand', 'install', false],
  ['buildCommand', 'build', false],
  ['testCommand', 'test', true],
  ['lintCommand', 'lint', false],
] as const;

/** The allowlist a repository scan implies: each toolchain's install, build, test and lint argv. */
export function commandsFromToolchains(toolchains: readonly Toolchain[]): AllowedCommand[] {
  const commands: AllowedCommand[] = [];
  for (const toolchain of toolchains) {
    for (const [field, step, extraArgs] of STEPS) {
      const argv = toolchain[field];
      if (argv === undefined) continue;
      commands.push({ argv: [...argv], step, directory: toolchain.directory ?? '.', extraArgs });
    }
  }
  return commands;
}

/**
 * The policy a new project starts with: the scan's commands allowlisted, protected and lockfile
 * globs, no auto-approval rules, network for install steps only when `networkForInstall`.
 */
export function defaultPolicy(toolchains: readonly Toolchain[], networkForInstall = false): ProjectPolicy {
  return {
    protectedGlobs: [...DEFAULT_PROTECTED_GLOBS],
    lockfileGlobs: [...DEFAULT_LOCKFILE_GLOBS],
    neverAutoApprove: [],
    commands: commandsFromToolchains(toolchains),
    autoApproval: [],
    maxDiffLines: 2000,
    semiAutoMaxRisk: 0.3,
    network: { install: networkForInstall },
    approvals: DEFAULT_APPROVAL_SETTINGS,
  };
}
