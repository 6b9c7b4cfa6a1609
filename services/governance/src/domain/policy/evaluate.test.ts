import type { Toolchain } from '@autopilot/contracts';
import { evaluate } from './evaluate';
import type { EvaluationContext, PolicyAction } from './policy-action';
import { defaultPolicy, type ProjectPolicy } from './project-policy';

const toolchains: Toolchain[] = [
  {
    name: 'node',
    manifestPath: 'package.json',
    installCommand: ['npm', 'ci'],
    buildCommand: ['npm', 'run', 'build'],
    testCommand: ['npm', 'test'],
    directory: '.',
  },
];
const policy: ProjectPolicy = defaultPolicy(toolchains);
const context: EvaluationContext = {
  mode: 'full_auto',
  defaultBranch: 'main',
  worktreeRoot: '/wt/run-1',
  currentBranch: 'autopilot/run-1',
};
const command = (...argv: string[]): PolicyAction => ({ kind: 'command', riskScore: 0.1, argv });
const write = (paths: string[], lines = 10): PolicyAction => ({
  kind: 'file_write',
  riskScore: 0.1,
  paths,
  diff: { insertions: lines, deletions: 0 },
});

describe('evaluate: deny rules hold in every mode', () => {
  it.each<[string, PolicyAction, string]>([
    ['git push origin +main', command('git', 'push', 'origin', '+main'), 'git.force_push'],
    [
      'git push origin +main (default branch)',
      command('git', 'push', 'origin', '+main'),
      'git.default_branch',
    ],
    ['git push origin HEAD:main', command('git', 'push', 'origin', 'HEAD:main'), 'git.default_branch'],
    ['git push origin main', command('git', 'push', 'origin', 'main'), 'git.default_branch'],
    [
      'git push origin x:refs/heads/main',
      command('git', 'push', 'origin', 'x:refs/heads/main'),
      'git.default_branch',
    ],
    ['git push origin :main (delete)', command('git', 'push', 'origin', ':main'), 'git.default_branch'],
    ['git push origin MAIN (case)', command('git', 'push', 'origin', 'MAIN'), 'git.default_branch'],
    [
      'git push origin refs/heads/*',
      command('git', 'push', 'origin', 'refs/heads/*:refs/heads/*'),
      'git.default_branch',
    ],
    ['git push --force', command('git', 'push', '--force', 'origin', 'feature'), 'git.force_push'],
    ['git push -f', command('git', 'push', '-f', 'origin', 'feature'), 'git.force_push'],
    ['git push -uf', command('git', 'push', '-uf', 'origin', 'feature'), 'git.force_push'],
    [
      'git push --force-with-lease',
      command('git', 'push', '--force-with-lease', 'origin', 'feature'),
      'git.force_push',
    ],
    [
      'git push --force-with-lease=x',
      command('git', 'push', '--force-with-lease=feature:abc', 'origin', 'feature'),
      'git.force_push',
    ],
    ['git push --mirror', command('git', 'push', '--mirror', 'origin'), 'git.default_branch'],
    ['git push --all', command('git', 'push', '--all', 'origin'), 'git.default_branch'],
    ['git push (no refspec)', command('git', 'push'), 'git.push_implicit'],
    ['git push origin (no refspec)', command('git', 'push', 'origin'), 'git.push_implicit'],
    [
      'git push --receive-pack',
      command('git', 'push', '--receive-pack=evil', 'origin', 'x'),
      'git.exec_option',
    ],
    ['git -c alias', command('git', '-c', 'alias.x=!sh', 'x'), 'git.config_override'],
    ['git --git-dir', command('git', '--git-dir=/etc', 'status'), 'git.config_override'],
    ['git -C /elsewhere', command('git', '-C', '/elsewhere', 'status'), 'path.outside_worktree'],
    ['git checkout -B main', command('git', 'checkout', '-B', 'main'), 'git.default_branch'],
    ['git checkout -Bmain', command('git', 'checkout', '-Bmain'), 'git.default_branch'],
    ['git checkout main', command('git', 'checkout', 'main'), 'git.default_branch'],
    ['git switch -C main', command('git', 'switch', '-C', 'main'), 'git.default_branch'],
    ['git branch -f main HEAD', command('git', 'branch', '-f', 'main', 'HEAD'), 'git.default_branch'],
    ['git reset --hard main', command('git', 'reset', '--hard', 'main'), 'git.default_branch'],
    [
      'git update-ref refs/heads/main',
      command('git', 'update-ref', 'refs/heads/main', 'abc'),
      'git.default_branch',
    ],
    [
      'npm run build && rm -rf / (one argv[0])',
      command('npm run build && rm -rf /'),
      'command.program_metacharacters',
    ],
    [
      'npm run build && rm -rf / (split)',
      command('npm', 'run', 'build', '&&', 'rm', '-rf', '/'),
      'command.argument_metacharacters',
    ],
    ['rm -rf / (absolute outside)', command('npm', 'run', 'build', '/'), 'path.outside_worktree'],
    ['a pipe in an argument', command('npm', 'test', '--', 'a|b'), 'command.argument_metacharacters'],
    ['$(…) in an argument', command('npm', 'test', '$(id)'), 'command.argument_metacharacters'],
    ['a redirect in an argument', command('npm', 'test', '>', 'out'), 'command.argument_metacharacters'],
    ['bash -c', command('bash', '-c', 'npm test'), 'command.shell'],
    ['sh -c', command('sh', '-c', 'npm test'), 'command.shell'],
    ['/bin/sh', command('/bin/sh', 'script'), 'command.shell'],
    ['busybox sh', command('busybox', 'sh'), 'command.shell'],
    ['env bash -c', command('env', 'A=1', 'bash', '-c', 'x'), 'command.shell'],
    ['sudo', command('sudo', 'npm', 'test'), 'command.privilege'],
    ['env sudo x', command('env', 'sudo', 'x'), 'command.privilege'],
    ['env -i sudo x', command('env', '-i', 'sudo', 'x'), 'command.privilege'],
    ['timeout 10s sudo x', command('timeout', '10s', 'sudo', 'x'), 'command.privilege'],
    ['/usr/bin/sudo', command('/usr/bin/sudo', 'x'), 'command.privilege'],
    ['su', command('su', '-'), 'command.privilege'],
    ['doas', command('doas', 'x'), 'command.privilege'],
    ['chown', command('chown', 'root', 'a'), 'command.privilege'],
    ['chmod u+s', command('chmod', 'u+s', 'a'), 'command.privilege'],
    ['chmod 4755', command('chmod', '4755', 'a'), 'command.privilege'],
    ['node -e', command('node', '-e', 'require("fs")'), 'command.inline_code'],
    ['python3 -c', command('python3', '-c', 'print(1)'), 'command.inline_code'],
    ['npx -c', command('npx', '-c', 'rm x'), 'command.inline_code'],
    ['../ escape in an argument', command('npm', 'test', '../../etc/passwd'), 'path.outside_worktree'],
    ['--out=../x', command('npm', 'run', 'build', '--out=../x'), 'path.outside_worktree'],
    ['~ in an argument', command('npm', 'test', '~/.ssh/id_rsa'), 'path.outside_worktree'],
    [
      'cwd outside',
      { kind: 'command', riskScore: 0, argv: ['npm', 'test'], cwd: '../other' },
      'path.outside_worktree',
    ],
    ['write ../ escape', write(['../outside.txt']), 'path.outside_worktree'],
    ['write a/../../b', write(['src/../../b']), 'path.outside_worktree'],
    ['write a/../b (any ..)', write(['src/../b']), 'path.outside_worktree'],
    ['write absolute outside', write(['/etc/passwd']), 'path.outside_worktree'],
    ['write absolute prefix sibling', write(['/wt/run-10/x']), 'path.outside_worktree'],
    ['write ~', write(['~/.bashrc']), 'path.outside_worktree'],
    ['write backslash', write(['..\\..\\x']), 'path.outside_worktree'],
    ['write drive letter', write(['C:/x']), 'path.outside_worktree'],
    ['write the root itself', write(['.']), 'path.outside_worktree'],
    ['write nothing', write([]), 'path.none'],
    ['write a control character', write(['src/a\nb.ts']), 'path.outside_worktree'],
    [
      'push +refspec action',
      { kind: 'git_push', riskScore: 0, remote: 'origin', refspecs: ['+feature'] },
      'git.force_push',
    ],
    [
      'push action to main',
      { kind: 'git_push', riskScore: 0, remote: 'origin', refspecs: ['HEAD:main'] },
      'git.default_branch',
    ],
    [
      'push action forced',
      { kind: 'git_push', riskScore: 0, remote: 'origin', refspecs: ['feature'], force: true },
      'git.force_push',
    ],
    ['merge to main', { kind: 'merge', riskScore: 0, targetBranch: 'main' }, 'merge.default_branch'],
    [
      'merge to refs/heads/main',
      { kind: 'merge', riskScore: 0, targetBranch: 'refs/heads/main' },
      'merge.default_branch',
    ],
  ])('%s', (_name, action, ruleId) => {
    for (const mode of ['semi_auto', 'full_auto'] as const) {
      const result = evaluate(action, policy, { ...context, mode });
      expect(result.decision).toBe('deny');
      expect(result.ruleIds).toContain(ruleId);
    }
  });

  it('denies a write through a symlink that resolves outside the worktree', () => {
    const result = evaluate(write(['docs/link.md']), policy, {
      ...context,
      realPaths: { 'docs/link.md': '/etc/passwd' },
    });
    expect(result).toMatchObject({ decision: 'deny', ruleIds: ['path.outside_worktree'] });
  });

  it('judges a symlink inside the worktree by where it lands too', () => {
    const result = evaluate(write(['docs/hooks.md']), policy, {
      ...context,
      realPaths: { 'docs/hooks.md': '/wt/run-1/.git/hooks/pre-commit' },
    });
    expect(result).toMatchObject({ decision: 'needs_approval', ruleIds: ['path.secret'] });
  });

  it('denies merging into the default branch even when an auto-approval rule lists merges', () => {
    const lenient: ProjectPolicy = {
      ...policy,
      autoApproval: [{ id: 'all', kinds: ['merge'], maxRiskScore: 1 }],
    };
    expect(evaluate({ kind: 'merge', riskScore: 0, targetBranch: 'main' }, lenient, context).decision).toBe(
      'deny',
    );
    expect(
      evaluate({ kind: 'merge', riskScore: 0, targetBranch: 'release' }, lenient, context),
    ).toMatchObject({
      decision: 'needs_approval',
      ruleIds: ['merge.needs_person'],
    });
  });

  it.each(['off', 'suggest'] as const)('denies every action in mode %s', (mode) => {
    expect(evaluate(command('npm', 'test'), policy, { ...context, mode })).toMatchObject({
      decision: 'deny',
      ruleIds: [`mode.${mode}`],
    });
  });
});

describe('evaluate: allow and needs_approval', () => {
  it.each<[string, PolicyAction]>([
    ['an allowlisted test command', command('npm', 'test')],
    ['a test command with extra arguments', command('npm', 'test', '--', 'src/a.test.ts')],
    // The scan allowlists `npm test` here; `npm run test` is the same script (and the other way round).
    ['the long form of an allowlisted lifecycle script', command('npm', 'run', 'test')],
    ['an absolute path inside the worktree', command('npm', 'test', '--', '/wt/run-1/src/a.test.ts')],
    ['a write in the worktree', write(['src/index.ts', './docs//guide.md'])],
    ['an absolute write inside the worktree', write(['/wt/run-1/src/a.ts'])],
    [
      'a push action',
      { kind: 'git_push', riskScore: 0, remote: 'origin', refspecs: ['HEAD:refs/heads/feature'] },
    ],
  ])('allows %s', (_name, action) => {
    expect(evaluate(action, policy, context)).toMatchObject({ decision: 'allow', ruleIds: [] });
  });

  it.each<[string, PolicyAction]>([
    ['a push of the run branch', command('git', 'push', 'origin', 'autopilot/run-1')],
    ['a push of HEAD (the run branch)', command('git', 'push', '-u', 'origin', 'HEAD')],
    ['git rebase main from the run branch', command('git', 'rebase', 'main')],
    [
      'git checkout HEAD -- main (a path named like the branch)',
      command('git', 'checkout', 'HEAD', '--', 'main'),
    ],
  ])('does not deny %s: git commands off the allowlist ask a person', (_name, action) => {
    expect(evaluate(action, policy, context)).toMatchObject({
      decision: 'needs_approval',
      ruleIds: ['command.not_allowlisted'],
    });
  });

  it.each<[string, PolicyAction, string]>([
    ['a command off the allowlist', command('make', 'deploy'), 'command.not_allowlisted'],
    ['another script than the allowlisted one', command('npm', 'run', 'deploy'), 'command.not_allowlisted'],
    [
      'extra arguments to an exact command',
      command('npm', 'ci', '--ignore-scripts'),
      'command.not_allowlisted',
    ],
    ['a wrapper around an allowlisted command', command('env', 'npm', 'test'), 'command.not_allowlisted'],
    [
      'the install step with network off',
      { ...command('npm', 'ci'), network: true } as PolicyAction,
      'network.not_allowed',
    ],
    [
      'network outside install',
      { kind: 'network', riskScore: 0, purpose: 'other', host: 'x.com' },
      'network.not_allowed',
    ],
    ['.github/workflows', write(['.github/workflows/ci.yml']), 'path.never_auto_approve'],
    ['.git/config', write(['.git/config']), 'path.secret'],
    ['.GIT/config (case)', write(['.GIT/config']), 'path.secret'],
    ['.env.production', write(['.env.production']), 'path.secret'],
    ['a key', write(['deploy/tls.key']), 'path.secret'],
    ['a lockfile', write(['package-lock.json']), 'path.protected'],
    ['deploy/', write(['deploy/k8s.yaml']), 'path.protected'],
    ['a diff too large', write(['src/a.ts'], 5000), 'diff.too_large'],
  ])('asks a person for %s', (_name, action, ruleId) => {
    const result = evaluate(action, policy, context);
    expect(result.decision).toBe('needs_approval');
    expect(result.ruleIds).toContain(ruleId);
  });

  it('allows lockfiles when the task is about dependencies', () => {
    expect(
      evaluate(write(['package-lock.json']), policy, { ...context, dependencyTask: true }).decision,
    ).toBe('allow');
  });

  it('allows the install step network when policy says so', () => {
    const open = defaultPolicy(toolchains, true);
    expect(evaluate({ ...command('npm', 'ci'), network: true } as PolicyAction, open, context).decision).toBe(
      'allow',
    );
    expect(evaluate({ kind: 'network', riskScore: 0, purpose: 'install' }, open, context).decision).toBe(
      'allow',
    );
    expect(
      evaluate({ ...command('npm', 'test'), network: true } as PolicyAction, open, context).decision,
    ).toBe('needs_approval');
  });

  it('asks for risky work in semi_auto and runs it in full_auto', () => {
    const risky: PolicyAction = { ...write(['src/a.ts']), riskScore: 0.7 } as PolicyAction;
    expect(evaluate(risky, policy, { ...context, mode: 'semi_auto' })).toMatchObject({
      decision: 'needs_approval',
      ruleIds: ['mode.semi_auto_risk'],
    });
    expect(evaluate(risky, policy, context).decision).toBe('allow');
  });

  it('lets a narrow auto-approval rule clear what it covers, never NEVER_AUTO_APPROVE', () => {
    const withRule: ProjectPolicy = {
      ...policy,
      autoApproval: [
        {
          id: 'docs-big',
          kinds: ['file_write'],
          pathGlobs: ['docs/**'],
          maxDiffLines: 10_000,
          maxRiskScore: 0.5,
        },
        { id: 'lint', kinds: ['command'], argvPrefixes: [['npx', 'eslint']], maxRiskScore: 0.2 },
      ],
    };
    expect(evaluate(write(['docs/a.md'], 5000), withRule, context)).toMatchObject({
      decision: 'allow',
      ruleIds: ['docs-big'],
    });
    expect(evaluate(write(['src/a.ts'], 5000), withRule, context).decision).toBe('needs_approval');
    expect(evaluate(write(['docs/.env'], 1), withRule, context).decision).toBe('needs_approval');
    expect(evaluate(command('npx', 'eslint', 'src'), withRule, context)).toMatchObject({
      decision: 'allow',
      ruleIds: ['lint'],
    });
    expect(evaluate(command('npx', 'eslint', 'src', '&&', 'x'), withRule, context).decision).toBe('deny');
  });
});
