import { commandDenyHits } from './command-rules';
import { globProblem } from './glob';
import type { PolicyActionKind } from './policy-action';
import { PolicyInvalidError } from './policy-errors';
import type { AllowedCommand, AutoApprovalRule, ProjectPolicy } from './project-policy';

/**
 * A policy a person wrote, checked field by field over `base` (fields left out keep the base's
 * value). Unknown fields, bad globs, out-of-range numbers and allowlisted commands that a deny rule
 * forbids throw `PolicyInvalidError` naming the field, e.g. `commands[1].argv`.
 */
export function parsePolicy(input: unknown, base: ProjectPolicy): ProjectPolicy {
  const root = record(input, '');
  known(root, '', [
    'protectedGlobs',
    'lockfileGlobs',
    'neverAutoApprove',
    'commands',
    'autoApproval',
    'maxDiffLines',
    'semiAutoMaxRisk',
    'network',
    'approvals',
  ]);
  const network = root.network === undefined ? base.network : parseNetwork(root.network);
  return {
    protectedGlobs:
      root.protectedGlobs === undefined ? base.protectedGlobs : globs(root.protectedGlobs, 'protectedGlobs'),
    lockfileGlobs:
      root.lockfileGlobs === undefined ? base.lockfileGlobs : globs(root.lockfileGlobs, 'lockfileGlobs'),
    neverAutoApprove:
      root.neverAutoApprove === undefined
        ? base.neverAutoApprove
        : globs(root.neverAutoApprove, 'neverAutoApprove'),
    commands:
      root.commands === undefined ? base.commands : list(root.commands, 'commands', 500).map(parseCommand),
    autoApproval:
      root.autoApproval === undefined
        ? base.autoApproval
        : list(root.autoApproval, 'autoApproval', 100).map(parseRule),
    maxDiffLines:
      root.maxDiffLines === undefined
        ? base.maxDiffLines
        : int(root.maxDiffLines, 'maxDiffLines', 1, 1_000_000),
    semiAutoMaxRisk:
      root.semiAutoMaxRisk === undefined
        ? base.semiAutoMaxRisk
        : num(root.semiAutoMaxRisk, 'semiAutoMaxRisk', 0, 1),
    network,
    approvals: root.approvals === undefined ? base.approvals : parseApprovals(root.approvals),
  };
}

const fail = (field: string, problem: string): never => {
  throw new PolicyInvalidError(field, problem);
};

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(field || '(root)', 'must be an object');
  return value as Record<string, unknown>;
}

function known(value: Record<string, unknown>, field: string, keys: readonly string[]): void {
  const unknown = Object.keys(value).find((k) => !keys.includes(k));
  if (unknown !== undefined)
    fail(field ? `${field}.${unknown}` : unknown, `unknown field (known: ${keys.join(', ')})`);
}

/** An array's entries, each with the field name that points at it. */
interface Item {
  readonly v: unknown;
  readonly field: string;
}

function list(value: unknown, field: string, max: number): Item[] {
  if (!Array.isArray(value)) return fail(field, 'must be an array');
  if (value.length > max) fail(field, `has more than ${max} entries`);
  return value.map((v: unknown, i) => ({ v, field: `${field}[${i}]` }));
}

function str(value: unknown, field: string, max = 1024): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    return fail(field, `must be a string of 1 to ${max} characters`);
  }
  return value;
}

function num(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    return fail(field, `must be a number from ${min} to ${max}`);
  }
  return value;
}

function int(value: unknown, field: string, min: number, max: number): number {
  const n = num(value, field, min, max);
  if (!Number.isInteger(n)) fail(field, 'must be a whole number');
  return n;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') return fail(field, 'must be true or false');
  return value;
}

function globs(value: unknown, field: string): string[] {
  return list(value, field, 500).map(({ v, field: f }) => {
    const glob = str(v, f);
    const problem = globProblem(glob);
    if (problem !== undefined) fail(f, `glob ${JSON.stringify(glob)} ${problem}`);
    return glob;
  });
}

const STEPS = ['install', 'build', 'test', 'lint'] as const;
const KINDS: readonly PolicyActionKind[] = [
  'file_write',
  'file_delete',
  'command',
  'network',
  'git_push',
  'merge',
];

function argvOf(value: unknown, field: string): string[] {
  const argv = list(value, field, 256).map(({ v, field: f }) => str(v, f, 4096));
  if (argv.length === 0) fail(field, 'must name a program');
  // No worktree here: any absolute path or `..` in a policy's argv is refused.
  const hits = commandDenyHits(argv, { worktreeRoot: '/', defaultBranch: '\u0000none' });
  if (hits.length > 0) fail(field, `is denied by ${hits[0]!.ruleId}: ${hits[0]!.reason}`);
  return argv;
}

function parseCommand({ v, field }: Item): AllowedCommand {
  const c = record(v, field);
  known(c, field, ['argv', 'step', 'directory', 'extraArgs']);
  const step = c.step;
  if (!STEPS.includes(step as (typeof STEPS)[number]))
    fail(`${field}.step`, `must be one of ${STEPS.join(', ')}`);
  const directory = c.directory === undefined ? '.' : str(c.directory, `${field}.directory`);
  if (directory !== '.' && globProblem(directory) !== undefined) {
    fail(`${field}.directory`, 'must be a relative path inside the worktree');
  }
  return {
    argv: argvOf(c.argv, `${field}.argv`),
    step: step as AllowedCommand['step'],
    directory,
    extraArgs: c.extraArgs === undefined ? false : bool(c.extraArgs, `${field}.extraArgs`),
  };
}

function parseRule({ v, field }: Item): AutoApprovalRule {
  const r = record(v, field);
  known(r, field, ['id', 'kinds', 'pathGlobs', 'argvPrefixes', 'maxDiffLines', 'maxRiskScore']);
  const kinds = list(r.kinds, `${field}.kinds`, 10).map(({ v: k, field: f }) => {
    if (!KINDS.includes(k as PolicyActionKind)) fail(f, `must be one of ${KINDS.join(', ')}`);
    if (k === 'merge') fail(f, 'merges are never auto-approved');
    return k as PolicyActionKind;
  });
  if (kinds.length === 0) fail(`${field}.kinds`, 'must name at least one kind');
  const fileKinds = kinds.some((k) => k === 'file_write' || k === 'file_delete');
  if (fileKinds && r.pathGlobs === undefined)
    fail(`${field}.pathGlobs`, 'is required for file actions: rules are narrow');
  if (kinds.includes('command') && r.argvPrefixes === undefined) {
    fail(`${field}.argvPrefixes`, 'is required for commands: rules are narrow');
  }
  return {
    id: str(r.id, `${field}.id`, 128),
    kinds,
    ...(r.pathGlobs !== undefined ? { pathGlobs: globs(r.pathGlobs, `${field}.pathGlobs`) } : {}),
    ...(r.argvPrefixes !== undefined
      ? {
          argvPrefixes: list(r.argvPrefixes, `${field}.argvPrefixes`, 50).map(({ v: p, field: f }) =>
            argvOf(p, f),
          ),
        }
      : {}),
    ...(r.maxDiffLines !== undefined
      ? { maxDiffLines: int(r.maxDiffLines, `${field}.maxDiffLines`, 1, 1_000_000) }
      : {}),
    maxRiskScore: num(r.maxRiskScore, `${field}.maxRiskScore`, 0, 1),
  };
}

function parseNetwork(value: unknown): ProjectPolicy['network'] {
  const n = record(value, 'network');
  known(n, 'network', ['install']);
  return { install: bool(n.install, 'network.install') };
}

function parseApprovals(value: unknown): ProjectPolicy['approvals'] {
  const a = record(value, 'approvals');
  known(a, 'approvals', ['expiresAfterMs', 'onExpiry', 'remindAfterMs']);
  const expiresAfterMs = int(a.expiresAfterMs, 'approvals.expiresAfterMs', 60_000, 30 * 24 * 3_600_000);
  const remindAfterMs = int(a.remindAfterMs, 'approvals.remindAfterMs', 60_000, 30 * 24 * 3_600_000);
  if (remindAfterMs >= expiresAfterMs) fail('approvals.remindAfterMs', 'must be shorter than expiresAfterMs');
  if (a.onExpiry !== 'reject' && a.onExpiry !== 'skip_task')
    fail('approvals.onExpiry', 'must be reject or skip_task');
  return { expiresAfterMs, remindAfterMs, onExpiry: a.onExpiry as 'reject' | 'skip_task' };
}
