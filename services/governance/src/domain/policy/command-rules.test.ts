import type { Toolchain } from '@autopilot/contracts';
import { commandDenyHits, type CommandContext } from './command-rules';
import { evaluate } from './evaluate';
import { defaultPolicy } from './project-policy';

const context: CommandContext = {
  defaultBranch: 'main',
  currentBranch: 'autopilot/run-1',
  worktreeRoot: '/wt/run-1',
};
const toolchains: Toolchain[] = [
  { name: 'node', manifestPath: 'package.json', testCommand: ['npm', 'test'], directory: '.' },
];
const ruleIds = (...argv: string[]): string[] => commandDenyHits(argv, context).map((h) => h.ruleId);

describe('commandDenyHits: arguments that name .git', () => {
  // The test command takes extra arguments, so these reached `allow` before: a test runner's
  // output file inside .git plants a hook, or rewrites a worktree's `.git` pointer file.
  it.each([
    ['a file in .git', ['npm', 'test', '--', '.git/config']],
    ['a hook through an option value', ['npm', 'test', '--', '--outputFile=.git/hooks/pre-commit']],
    ['.git in another case', ['npm', 'test', '.GIT/config']],
    ['the .git pointer of a worktree', ['npm', 'test', '--', '--outputFile=.git']],
    ['an absolute path into the worktree .git', ['npm', 'test', '/wt/run-1/.git/config']],
    ['.git below a directory', ['npm', 'test', 'sub/.git/hooks/post-checkout']],
  ])('denies %s, even for an allowlisted command', (_name, argv) => {
    expect(ruleIds(...argv)).toContain('command.git_internals');
    const result = evaluate({ kind: 'command', riskScore: 0, argv }, defaultPolicy(toolchains), {
      ...context,
      mode: 'full_auto',
    });
    expect(result.decision).toBe('deny');
    expect(result.reasons.join('\n')).toContain('names .git');
  });

  it.each([
    ['.gitignore', ['npm', 'test', '.gitignore']],
    ['.github/workflows', ['npm', 'test', '.github/workflows/ci.yml']],
    ['a name ending in .git', ['npm', 'test', 'repo.git']],
  ])('leaves %s alone', (_name, argv) => {
    expect(ruleIds(...argv)).not.toContain('command.git_internals');
  });
});

describe('commandDenyHits: values attached to short options', () => {
  it('judges -o/etc/passwd as the path /etc/passwd', () => {
    const hits = commandDenyHits(['npm', 'test', '--', '-o/etc/passwd'], context);
    expect(hits).toContainEqual(
      expect.objectContaining({
        ruleId: 'path.outside_worktree',
        reason: 'argument /etc/passwd is an absolute path outside the worktree',
      }),
    );
  });

  it('judges -o../x as a climb out of the worktree', () => {
    expect(ruleIds('npm', 'test', '-o../x')).toContain('path.outside_worktree');
  });

  it('leaves flags that carry no path alone (-DskipTests, -rf, -B)', () => {
    expect(ruleIds('mvn', '-B', '-DskipTests', 'package')).toEqual([]);
    expect(ruleIds('rm', '-rf', 'dist')).toEqual([]);
  });
});
