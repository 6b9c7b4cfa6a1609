import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { bin, cliEnv, ensureBuilt } from './cli-process';

/**
 * Issue 16, end to end 1: `autopilot demo` in a fresh directory, as a person runs it (the bin, no
 * terminal): the bundled sample blueprint on a fresh sample repository, the bundled scripted model,
 * the protected-path approval approved on the person's behalf (and said so), and the report. Every
 * task's branch holds commits beyond main, the sample's own tests pass on each, main is untouched.
 */
describe('autopilot demo', () => {
  let dir: string | undefined;
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ends with a reviewed branch per task whose tests pass, main untouched, exit 0', async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ap-demo-'));
    // No terminal: stdin is not a TTY, as in CI. The timeout kills the process if it hangs.
    const { code, out, err } = await new Promise<{ code: number | null; out: string; err: string }>(
      (resolve) => {
        const child = execFile(
          process.execPath,
          [bin, 'demo', '--dir', join(dir!, 'demo')],
          { env: cliEnv(), timeout: 200_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
        );
        child.stdin?.end();
      },
    );
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toContain('scripted model: no LLM is called');
    expect(out).toMatch(
      /approval \S+ \(create_file \.github\/workflows\/ci\.yml.*the demo approves it on your behalf/,
    );
    expect(out).toContain('Completed: 5 of 5');

    const repo = join(dir, 'demo', 'demo-repo');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    const branches = git('for-each-ref', '--format=%(refname:short)', 'refs/heads/autopilot/').split('\n');
    expect(branches).toHaveLength(5);
    expect(git('rev-list', '--count', 'main')).toBe('1');
    for (const branch of branches) {
      // The report names each branch with its cost.
      expect(out).toMatch(new RegExp(`branch ${branch.replace(/[/.]/g, '\\$&')} · .* · \\$\\d+\\.\\d\\d`));
      expect(Number(git('rev-list', '--count', `main..${branch}`))).toBeGreaterThanOrEqual(1);
      const check = join(dir, `check-${branch.replace(/\//g, '-')}`);
      git('worktree', 'add', '-q', check, branch);
      expect(execFileSync(process.execPath, ['--test'], { cwd: check, encoding: 'utf8' })).toMatch(
        /# fail 0/,
      );
    }
    expect(git('status', '--porcelain')).toBe('');
  }, 240_000);
});
