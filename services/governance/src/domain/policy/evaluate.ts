import { isSecretPath } from '@autopilot/secret-scan';
import { commandDenyHits } from './command-rules';
import { firstMatchingGlob, matchesGlob } from './glob';
import { pushHits } from './git-rules';
import type { Evaluation, EvaluationContext, PolicyAction, RuleHit } from './policy-action';
import {
  MANDATORY_PROTECTED_GLOBS,
  NEVER_AUTO_APPROVE,
  type AllowedCommand,
  type AutoApprovalRule,
  type ProjectPolicy,
} from './project-policy';
import { worktreePath } from './worktree-paths';

/**
 * `governance.evaluate` as a pure function: deny when any deny rule matches (in every mode; no
 * policy or approval overrides it), needs_approval when any approval rule matches and no narrow
 * auto-approval rule clears all of them, allow otherwise. Default deny: a command not on the
 * allowlist, network outside install steps and every merge ask a person at least.
 */
export function evaluate(
  action: PolicyAction,
  policy: ProjectPolicy,
  context: EvaluationContext,
): Evaluation {
  const hits = [...modeHits(context), ...actionHits(action, policy, context)];
  const denies = hits.filter((h) => h.effect === 'deny');
  if (denies.length > 0) return result('deny', denies);
  const asks = hits.filter((h) => h.effect === 'needs_approval');
  if (asks.length === 0)
    return { decision: 'allow', reasons: ['no policy rule asks for a person'], ruleIds: [] };
  if (asks.some((h) => h.neverAuto)) return result('needs_approval', asks);
  const rule = policy.autoApproval.find((r) => autoApprovalCovers(r, action, asks));
  if (rule === undefined) return result('needs_approval', asks);
  return {
    decision: 'allow',
    reasons: [`auto-approval rule ${rule.id} covers: ${asks.map((h) => h.reason).join('; ')}`.slice(0, 1000)],
    ruleIds: [rule.id],
  };
}

function result(decision: 'deny' | 'needs_approval', hits: readonly RuleHit[]): Evaluation {
  const top = hits.slice(0, 50);
  return {
    decision,
    reasons: top.map((h) => h.reason.slice(0, 1000)),
    ruleIds: [...new Set(top.map((h) => h.ruleId))],
  };
}

const ask = (ruleId: string, reason: string, neverAuto = false): RuleHit => ({
  ruleId,
  effect: 'needs_approval',
  reason,
  ...(neverAuto ? { neverAuto } : {}),
});
const deny = (ruleId: string, reason: string): RuleHit => ({ ruleId, effect: 'deny', reason });

function modeHits(context: EvaluationContext): RuleHit[] {
  switch (context.mode) {
    case 'off':
      return [deny('mode.off', 'the project is off: nothing runs')];
    case 'suggest':
      return [deny('mode.suggest', 'the project only suggests: runs take no actions')];
    case 'semi_auto':
    case 'full_auto':
      return [];
    default: {
      const never: never = context.mode;
      return [deny('mode.unknown', `unknown autonomy mode ${String(never)}`)];
    }
  }
}

function actionHits(action: PolicyAction, policy: ProjectPolicy, context: EvaluationContext): RuleHit[] {
  const risk =
    context.mode === 'semi_auto' && !(action.riskScore <= policy.semiAutoMaxRisk)
      ? [
          ask(
            'mode.semi_auto_risk',
            `risk ${action.riskScore} is above ${policy.semiAutoMaxRisk}, the most semi_auto runs alone`,
          ),
        ]
      : [];
  switch (action.kind) {
    case 'file_write':
    case 'file_delete':
      return [...fileHits(action.paths, action.diff, policy, context), ...risk];
    case 'command':
      return [...commandHits(action.argv, action.cwd, action.network ?? false, policy, context), ...risk];
    case 'network':
      return [
        ...(action.purpose === 'install' && policy.network.install
          ? []
          : [
              ask(
                'network.not_allowed',
                `network for ${action.purpose}${action.host ? ` (${action.host})` : ''} is not allowed by policy`,
              ),
            ]),
        ...risk,
      ];
    case 'git_push':
      return [
        ...pushHits(action.refspecs, action.force ?? false, context),
        ...(action.remote.startsWith('-')
          ? [deny('git.push_implicit', `remote ${action.remote} is an option`)]
          : []),
        ...risk,
      ];
    case 'merge':
      return action.targetBranch.toLowerCase() === context.defaultBranch.toLowerCase() ||
        action.targetBranch.replace(/^refs\/heads\//, '').toLowerCase() ===
          context.defaultBranch.toLowerCase()
        ? [
            deny(
              'merge.default_branch',
              `merging into the default branch ${context.defaultBranch} is a person's job, in every mode`,
            ),
          ]
        : [ask('merge.needs_person', `merging into ${action.targetBranch} needs a person`, true)];
    default: {
      const never: never = action;
      return [deny('action.unknown', `unknown action ${JSON.stringify(never)}`)];
    }
  }
}

function fileHits(
  paths: readonly string[],
  diff: { readonly insertions: number; readonly deletions: number },
  policy: ProjectPolicy,
  context: EvaluationContext,
): RuleHit[] {
  const hits: RuleHit[] = [];
  if (paths.length === 0) hits.push(deny('path.none', 'the action names no path'));
  const lines = diff.insertions + diff.deletions;
  if (!Number.isFinite(lines) || diff.insertions < 0 || diff.deletions < 0) {
    hits.push(deny('diff.invalid', `diff size ${diff.insertions}+${diff.deletions} is not a count`));
  } else if (lines > policy.maxDiffLines) {
    hits.push(ask('diff.too_large', `the diff has ${lines} lines, more than ${policy.maxDiffLines}`));
  }
  const protectedGlobs = [
    ...MANDATORY_PROTECTED_GLOBS,
    ...policy.protectedGlobs,
    ...(context.dependencyTask ? [] : policy.lockfileGlobs),
  ];
  const neverGlobs = [...NEVER_AUTO_APPROVE, ...policy.neverAutoApprove];
  for (const raw of paths) {
    const named = worktreePath(raw, context.worktreeRoot);
    if (!named.inside) {
      hits.push(deny('path.outside_worktree', named.problem));
      continue;
    }
    const candidates = [named.path];
    const real = context.realPaths?.[raw];
    if (real !== undefined) {
      const resolved = worktreePath(real, context.worktreeRoot);
      if (!resolved.inside || !real.startsWith('/')) {
        hits.push(deny('path.outside_worktree', `${raw} resolves to ${real}, outside the worktree`));
        continue;
      }
      if (resolved.path !== named.path) candidates.push(resolved.path);
    }
    for (const path of candidates) hits.push(...protectionHits(path, protectedGlobs, neverGlobs));
  }
  return hits;
}

function protectionHits(
  path: string,
  protectedGlobs: readonly string[],
  neverGlobs: readonly string[],
): RuleHit[] {
  // Case-insensitive: on macOS and Windows `.GIT/config` is `.git/config`.
  const options = { caseInsensitive: true };
  if (isSecretPath(path)) return [ask('path.secret', `${path} is a secret file or git internals`, true)];
  const never = firstMatchingGlob(path, neverGlobs, options);
  if (never !== undefined)
    return [ask('path.never_auto_approve', `${path} matches NEVER_AUTO_APPROVE ${never}`, true)];
  const guarded = firstMatchingGlob(path, protectedGlobs, options);
  if (guarded !== undefined) return [ask('path.protected', `${path} is protected by ${guarded}`)];
  return [];
}

function commandHits(
  argv: readonly string[],
  cwd: string | undefined,
  network: boolean,
  policy: ProjectPolicy,
  context: EvaluationContext,
): RuleHit[] {
  const hits = commandDenyHits(argv, context);
  let directory = '.';
  if (cwd !== undefined && cwd !== '.' && cwd !== '') {
    const where = worktreePath(cwd, context.worktreeRoot);
    if (!where.inside) hits.push(deny('path.outside_worktree', `working directory ${where.problem}`));
    else directory = where.path;
  }
  if (hits.length > 0) return hits;
  const allowed = policy.commands.find((c) => commandMatches(c, argv, directory));
  if (allowed === undefined) {
    hits.push(
      ask(
        'command.not_allowlisted',
        `${argv.join(' ')} is not on the project's command allowlist`.slice(0, 1000),
      ),
    );
  }
  if (network && !(allowed?.step === 'install' && policy.network.install)) {
    hits.push(
      ask('network.not_allowed', `network for ${argv.join(' ')} is not allowed by policy`.slice(0, 1000)),
    );
  }
  return hits;
}

function commandMatches(allowed: AllowedCommand, argv: readonly string[], directory: string): boolean {
  const allowedDir = allowed.directory === '' ? '.' : allowed.directory.replace(/^\.\/|\/$/g, '');
  if ((allowedDir || '.') !== directory) return false;
  const want = scriptRunOf(allowed.argv);
  const got = scriptRunOf(argv);
  if (got.length < want.length) return false;
  if (!allowed.extraArgs && got.length !== want.length) return false;
  return want.every((a, i) => a === got[i]);
}

/** Package managers whose lifecycle scripts have a short form (`npm test` runs `npm run test`). */
const SCRIPT_RUNNERS = new Set(['npm', 'pnpm', 'yarn']);
const LIFECYCLE_SCRIPTS = new Set(['test', 'start', 'stop', 'restart']);

/**
 * `npm test` as `npm run test` (likewise pnpm and yarn, and start, stop, restart): the same script,
 * so a scan's `npm run test` allows a task's `npm test` and the other way round.
 */
function scriptRunOf(argv: readonly string[]): readonly string[] {
  const [runner, script, ...rest] = argv;
  if (
    runner !== undefined &&
    script !== undefined &&
    SCRIPT_RUNNERS.has(runner) &&
    LIFECYCLE_SCRIPTS.has(script)
  )
    return [runner, 'run', script, ...rest];
  return argv;
}

/** Whether `rule` covers the action and every approval hit it raised. */
function autoApprovalCovers(rule: AutoApprovalRule, action: PolicyAction, asks: readonly RuleHit[]): boolean {
  if (!rule.kinds.includes(action.kind)) return false;
  if (!(action.riskScore <= rule.maxRiskScore)) return false;
  if (action.kind === 'file_write' || action.kind === 'file_delete') {
    const globs = rule.pathGlobs ?? [];
    if (!action.paths.every((p) => globs.some((g) => matchesGlob(p, g)))) return false;
    const lines = action.diff.insertions + action.diff.deletions;
    if (
      asks.some((h) => h.ruleId === 'diff.too_large') &&
      !(rule.maxDiffLines !== undefined && lines <= rule.maxDiffLines)
    ) {
      return false;
    }
  }
  if (action.kind === 'command') {
    const prefixes = rule.argvPrefixes ?? [];
    if (!prefixes.some((prefix) => prefix.length > 0 && prefix.every((a, i) => action.argv[i] === a)))
      return false;
  }
  return true;
}
