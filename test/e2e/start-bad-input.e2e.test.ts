import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startScriptedModel, type ScriptedModel } from '@autopilot/testing';
import { bin, cliEnv } from './cli-process';
import { gitIn } from './worker-cluster';
import { startFixture, type StartFixture } from './start-fixture';

/**
 * Issue 16, bad input: each a clear message naming what and where, exit 2, nothing spent, nothing
 * written to the repository or to --dir. The checks run before anything starts, so each case is the
 * bin run once against the same repository.
 */
describe('autopilot start: bad input', () => {
  let f: StartFixture;
  let refusing: ScriptedModel;
  let refs: string;

  beforeAll(async () => {
    f = await startFixture();
    refusing = await startScriptedModel({ apiKey: 'the-only-key-it-takes' });
    refs = gitIn(f.repo, 'show-ref');
  }, 300_000);
  afterAll(async () => {
    await refusing.close();
    await f.close();
  });

  const notARepo = (): string => {
    const dir = join(f.root, 'plain-folder');
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it.each<[string, () => { args: string[]; env?: Record<string, string> }, RegExp]>([
    [
      'a missing blueprint',
      () => ({ args: ['start', join(f.root, 'nope.md'), '--repo', f.repo] }),
      /nope\.md: no such file or directory \(the blueprint\)/,
    ],
    [
      'a repository that is not a git repository',
      () => ({ args: ['start', f.blueprint, '--repo', notARepo()] }),
      /--repo .*plain-folder: not a git repository/,
    ],
    [
      'a repository that does not exist',
      () => ({ args: ['start', f.blueprint, '--repo', join(f.root, 'missing-repo')] }),
      /missing-repo: no such file or directory \(the repository \(--repo\)\)/,
    ],
    [
      'an unknown autonomy mode',
      () => ({ args: ['start', f.blueprint, '--repo', f.repo, '--autonomy', 'yolo'] }),
      /--autonomy <mode>.*'yolo' is invalid.*off, suggest, semi_auto, full_auto/,
    ],
    [
      'a budget that is not a positive number',
      () => ({ args: ['start', f.blueprint, '--repo', f.repo, '--daily-budget', '-3'] }),
      /--daily-budget <usd>.*'-3' is invalid.*greater than 0/,
    ],
    [
      'a schedule that does not parse',
      () => ({ args: ['start', f.blueprint, '--repo', f.repo, '--schedule', '25:00-26:00'] }),
      /25:00/,
    ],
    [
      'a time zone that does not exist',
      () => ({ args: ['start', f.blueprint, '--repo', f.repo, '--tz', 'Mars/Olympus'] }),
      /Mars\/Olympus/,
    ],
    [
      'no model configured',
      () => ({
        args: ['start', f.blueprint, '--repo', f.repo],
        env: { AUTOPILOT_WORKER_MODEL: '', OPENAI_BASE_URL: '', OPENAI_API_KEY: '' },
      }),
      /no model is configured: set AUTOPILOT_WORKER_MODEL .* run `autopilot demo`/,
    ],
    [
      'a model server that refuses the key',
      () => ({ args: ['start', f.blueprint, '--repo', f.repo], env: { OPENAI_BASE_URL: refusing.baseURL } }),
      /the model server at http:\/\/127\.0\.0\.1:\d+\/v1 refused the API key \(HTTP 401\): check OPENAI_API_KEY/,
    ],
  ])('%s: exit 2 with a message naming it; nothing written', async (_case, make, message) => {
    const { args, env } = make();
    const dir = join(f.root, `state-${Math.random().toString(36).slice(2)}`);
    const result = await run([...args, '--dir', dir, '--yes'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain(f.env.OPENAI_API_KEY);
    expect(result.stdout).toBe('');
    expect(existsSync(dir)).toBe(false);
    expect(gitIn(f.repo, 'show-ref')).toBe(refs);
    expect(gitIn(f.repo, 'status', '--porcelain')).toBe('');
    // No chat call was made anywhere: nothing can have been spent.
    expect(refusing.calls).toEqual([]);
    expect(f.model.calls).toEqual([]);
  });

  it('the refused key, echoed whole by the server, is in no output', async () => {
    const before = refusing.refusedKeys;
    const result = await run(
      ['start', f.blueprint, '--repo', f.repo, '--dir', join(f.root, 'refused'), '--yes'],
      {
        OPENAI_BASE_URL: refusing.baseURL,
      },
    );
    expect(result.code).toBe(2);
    // The server refused it (and said it back in full), and none of it reached the person.
    expect(refusing.refusedKeys).toBeGreaterThan(before);
    expect(`${result.stdout}${result.stderr}`).not.toContain(f.env.OPENAI_API_KEY);
  });

  it('a dirty working tree is no error: the runs start from the committed state, and it says which commit', async () => {
    writeFileSync(join(f.repo, 'scratch.txt'), 'uncommitted\n');
    try {
      const result = await f.runStart();
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`from commit ${f.mainCommit.slice(0, 12)}`);
      expect(result.stdout).toContain('1 uncommitted change is not part of the work');
      // The person's checkout is as it was: the file still uncommitted, main where it was.
      expect(gitIn(f.repo, 'status', '--porcelain')).toBe('?? scratch.txt');
      expect(gitIn(f.repo, 'rev-parse', 'main')).toBe(f.mainCommit);

      // A --dir inside the repository is Autopilot's own: no change of the person's to mention.
      const inside = await f.runStart({ args: ['--dir', join(f.repo, '.autopilot')] });
      expect(inside.code).toBe(0);
      expect(inside.stdout).toContain('1 uncommitted change is not part of the work');
      execFileSync('rm', ['-f', join(f.repo, 'scratch.txt')]);
      const clean = await f.runStart({ args: ['--dir', join(f.repo, '.autopilot')] });
      expect(clean.code).toBe(0);
      expect(clean.stdout).not.toContain('uncommitted');
    } finally {
      execFileSync('rm', ['-f', join(f.repo, 'scratch.txt')]);
    }
  }, 240_000);

  /** The bin to its end, asynchronously: the model servers answering it live in this process. */
  function run(
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [bin, ...args],
        { env: cliEnv({ ...f.env, ...env }), timeout: 60_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      );
      child.stdin?.end();
    });
  }
});
