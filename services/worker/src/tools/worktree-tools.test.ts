import { mkdir, readFile, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory, makeGitRepository, removeDirectories } from '@autopilot/git/testing';
import type { CommandRequest, CommandResult, CommandRunner } from '../sandbox/command-runner';
import { renderToolResult, type ToolOutcome, type ToolResult } from './tool-result';
import { WorktreeTools, type ToolCall } from './worktree-tools';

/** A runner that records what it is asked and answers from a script: the tools' side of the port only. */
class ScriptedRunner implements CommandRunner {
  readonly requests: CommandRequest[] = [];
  next: Partial<CommandResult> = {};
  async run(request: CommandRequest): Promise<CommandResult> {
    this.requests.push(request);
    return {
      exitCode: 0,
      signal: null,
      timedOut: false,
      stdout: '',
      stderr: '',
      truncated: false,
      durationMs: 1,
      isolation: 'none',
      ...this.next,
    };
  }
}

const LONG = Array.from({ length: 450 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
const FILES = {
  'src/a.ts': 'export const a = 1;\nexport const b = 2;\n',
  'src/util/deep/x.ts': 'export function helper() {\n  return "needle";\n}\n',
  'src/util/y.ts': 'export const y = "needle";\n',
  'README.md': '# Demo\n\nSay needle here.\n',
  'config.json': '{\n  "name": "demo"\n}\n',
  'long.txt': LONG,
  'tool.py': 'def f():\n    return 1\n',
  '.gitignore': 'dist/\n*.log\n',
};

const ok = (r: ToolResult): string => {
  if (!r.ok) throw new Error(`expected success, got: ${r.error}`);
  return r.output;
};
const err = (r: ToolResult): string => {
  if (r.ok) throw new Error(`expected an error, got: ${r.output}`);
  return r.error;
};

describe('WorktreeTools', () => {
  const dirs: string[] = [];
  let root: string;
  let outside: string;
  let runner: ScriptedRunner;
  let tools: WorktreeTools;

  const run = async (name: string, args: unknown): Promise<ToolOutcome> =>
    tools.run(name, typeof args === 'string' ? args : JSON.stringify(args));
  const read = (path: string) => readFile(join(root, path), 'utf8');
  const exists = (path: string) =>
    readFile(join(root, path)).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    outside = await makeDirectory({ 'secret.txt': 'outside needle\n' }, 'ap-outside-');
    dirs.push(outside);
  });
  beforeEach(async () => {
    root = await makeGitRepository(FILES, { prefix: 'ap-tools-' });
    dirs.push(root);
    // Untracked files: two kept, two ignored by .gitignore.
    await writeFile(join(root, 'notes.md'), 'untracked needle\n');
    await writeFile(join(root, 'debug.log'), 'ignored needle\n');
    await writeFile(join(root, 'src', 'new-untracked.ts'), 'export const n = 0;\n');
    await mkdir(join(root, 'dist'));
    await writeFile(join(root, 'dist', 'out.js'), 'needle();\n');
    runner = new ScriptedRunner();
    tools = await WorktreeTools.open({ root, commandRunner: runner });
  });
  afterAll(() => removeDirectories(dirs));

  describe('dispatch', () => {
    it('answers an unknown tool, malformed JSON and bad arguments as tool errors', async () => {
      expect(err((await run('rm_rf', {})).result)).toMatch(
        /^unknown tool "rm_rf"; the tools are: view_file, /,
      );
      expect(err((await run('view_file', '{"path":')).result)).toMatch(/not valid JSON/);
      expect(err((await run('view_file', { path: 'a', extra: 1 })).result)).toContain(
        '"extra" is not an argument of view_file',
      );
      const call = await tools.dispatch('insert', '{"path":"src/a.ts","line":-1,"text":"x"}');
      expect(call).toEqual({
        kind: 'refused',
        name: 'insert',
        result: expect.objectContaining({ ok: false }) as unknown,
      });
    });

    it('renders a result as the text the model reads', () => {
      expect(renderToolResult({ ok: false, error: 'no', notes: ['n'] })).toBe('Error: no\nNote: n');
      expect(renderToolResult({ ok: true, output: 'yes' })).toBe('yes');
    });
  });

  describe('view_file', () => {
    it('shows numbered lines with the total line count', async () => {
      expect(ok((await run('view_file', { path: 'src/a.ts' })).result)).toBe(
        'src/a.ts: lines 1-2 of 2\n1\texport const a = 1;\n2\texport const b = 2;',
      );
    });

    it('shows at most 200 lines a call and says where to continue', async () => {
      const r = (await run('view_file', { path: 'long.txt' })).result;
      const out = ok(r);
      expect(out.split('\n')[0]).toBe('long.txt: lines 1-200 of 450');
      expect(out.split('\n')).toHaveLength(201);
      expect(r.notes).toEqual(['250 more lines; continue with start_line=201']);
      const window = (await run('view_file', { path: 'long.txt', start_line: 100, end_line: 420 })).result;
      expect(ok(window).split('\n')[0]).toBe('long.txt: lines 100-299 of 450');
      expect(window.notes).toEqual(['at most 200 lines per call; continue with start_line=300']);
      const tail = ok((await run('view_file', { path: 'long.txt', start_line: 449, end_line: 900 })).result);
      expect(tail).toBe('long.txt: lines 449-450 of 450\n449\tline 449\n450\tline 450');
    });

    it('refuses a window past the end, a missing file, a directory and escaping paths', async () => {
      expect(err((await run('view_file', { path: 'src/a.ts', start_line: 3 })).result)).toBe(
        'start_line 3 is past the end: src/a.ts has 2 lines',
      );
      expect(err((await run('view_file', { path: 'nope.ts' })).result)).toBe('nope.ts does not exist');
      expect(err((await run('view_file', { path: 'src' })).result)).toBe(
        'src is a directory; use list_files',
      );
      expect(err((await run('view_file', { path: '../x' })).result)).toContain('leads outside the worktree');
      expect(err((await run('view_file', { path: '.git/config' })).result)).toContain(
        '.git holds the repository',
      );
      await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));
      expect(err((await run('view_file', { path: 'leak.txt' })).result)).toContain('outside the worktree');
    });
  });

  describe('list_files', () => {
    it('lists tracked and untracked files, leaving out what .gitignore ignores', async () => {
      const out = ok((await run('list_files', {})).result);
      expect(out.split('\n')).toEqual([
        '10 files under the worktree (files ignored by .gitignore are left out)',
        '.gitignore',
        'README.md',
        'config.json',
        'long.txt',
        'notes.md',
        'src/a.ts',
        'src/new-untracked.ts',
        'src/util/deep/x.ts',
        'src/util/y.ts',
        'tool.py',
      ]);
      expect(out).not.toContain('dist/');
      expect(out).not.toContain('debug.log');
      expect(out).toContain('notes.md');
      expect(out).toContain('src/new-untracked.ts');
    });

    it('folds directories deeper than max_depth and lists below a path', async () => {
      expect(ok((await run('list_files', { path: 'src', max_depth: 1 })).result).split('\n')).toEqual([
        '4 files under src (files ignored by .gitignore are left out)',
        'src/a.ts',
        'src/new-untracked.ts',
        'src/util/ (2 files)',
      ]);
    });

    it('caps the listing and says how much more there is', async () => {
      const capped = await WorktreeTools.open({ root, commandRunner: runner, limits: { listMaxEntries: 3 } });
      const r = (await capped.run('list_files', '{}')).result;
      expect(ok(r).split('\n')).toHaveLength(4);
      expect(r.notes).toEqual(['7 more entries not shown; narrow path or set max_depth']);
    });

    it('leaves out a tracked file deleted from the worktree', async () => {
      await unlink(join(root, 'README.md'));
      expect(ok((await run('list_files', {})).result)).not.toContain('README.md');
    });
  });

  describe('search', () => {
    it('answers file:line: text with the total, .gitignore honoured, symlinks not followed', async () => {
      await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));
      expect(ok((await run('search', { pattern: 'need+le' })).result)).toBe(
        [
          'README.md:3: Say needle here.',
          'notes.md:1: untracked needle',
          'src/util/deep/x.ts:2:   return "needle";',
          'src/util/y.ts:1: export const y = "needle";',
          '4 matches in 4 files',
        ].join('\n'),
      );
    });

    it('narrows by path and glob', async () => {
      expect(ok((await run('search', { pattern: 'needle', path: 'src/util/deep' })).result)).toBe(
        'src/util/deep/x.ts:2:   return "needle";\n1 match in 1 file',
      );
      expect(ok((await run('search', { pattern: 'needle', glob: '*.md' })).result)).toContain(
        '2 matches in 2 files',
      );
      expect(ok((await run('search', { pattern: 'needle', glob: 'src/**/*.ts' })).result)).toContain(
        '2 matches',
      );
      expect(ok((await run('search', { pattern: 'zebra' })).result)).toMatch(
        /^no matches for \/zebra\/ in \d+ files$/,
      );
    });

    it('caps the results and still counts them all', async () => {
      expect(
        ok((await run('search', { pattern: '^line \\d+$', path: 'long.txt' })).result)
          .split('\n')
          .slice(-1),
      ).toEqual(['450 matches; showing the first 100 (narrow path, glob or pattern for the rest)']);
    });

    it('answers a bad regular expression, and stops a pathological one', async () => {
      expect(err((await run('search', { pattern: '(unclosed' })).result)).toMatch(
        /^pattern is not a valid regular expression: /,
      );
      await writeFile(join(root, 'evil.txt'), `${'a'.repeat(40)}!\n`);
      const slow = await WorktreeTools.open({
        root,
        commandRunner: runner,
        limits: { searchTimeoutMs: 200 },
      });
      expect(
        err((await slow.run('search', JSON.stringify({ pattern: '^(a+)+$', path: 'evil.txt' }))).result),
      ).toMatch(/took longer than 200 ms and was stopped/);
    });
  });

  describe('create_file', () => {
    it('prepares the change without writing, then writes it and can undo it', async () => {
      const call = await tools.dispatch(
        'create_file',
        JSON.stringify({ path: 'src/new/b.ts', content: 'export const b = 1;\n' }),
      );
      expect(call.kind).toBe('write');
      if (call.kind !== 'write') return;
      expect(call.write.paths).toEqual(['src/new/b.ts']);
      expect(call.write.diff).toContain('--- /dev/null\n+++ b/src/new/b.ts');
      expect(call.write.diff).toContain('+export const b = 1;');
      expect(await exists('src/new/b.ts')).toBe(false);
      const outcome = await call.execute();
      expect(ok(outcome.result)).toBe('created src/new/b.ts');
      expect(await read('src/new/b.ts')).toBe('export const b = 1;\n');
      expect(outcome.undo).toEqual({
        tool: 'create_file',
        files: [{ path: 'src/new/b.ts', previous: null }],
      });
      expect(ok(await tools.undo(outcome.undo!))).toBe('undid create_file on src/new/b.ts');
      expect(await exists('src/new/b.ts')).toBe(false);
    });

    it('refuses to overwrite, to write through symlinks out of the worktree, and into .git', async () => {
      expect(err((await run('create_file', { path: 'src/a.ts', content: '' })).result)).toMatch(
        /^src\/a.ts already exists/,
      );
      await symlink(outside, join(root, 'out'));
      await symlink(join(outside, 'planted.txt'), join(root, 'planted.txt'));
      expect(err((await run('create_file', { path: 'out/x.txt', content: 'x' })).result)).toContain(
        'out is a symlink to',
      );
      expect(err((await run('create_file', { path: 'planted.txt', content: 'x' })).result)).toContain(
        'planted.txt is a symlink whose target does not exist',
      );
      expect(
        err((await run('create_file', { path: '.git/hooks/post-checkout', content: 'x' })).result),
      ).toContain('.git holds the repository');
      expect(err((await run('create_file', { path: '/tmp/x', content: 'x' })).result)).toContain(
        'absolute paths',
      );
      expect(await exists('../x')).toBe(false);
    });

    it('refuses a new file that does not parse', async () => {
      expect(err((await run('create_file', { path: 'b.json', content: '{"a":}' })).result)).toContain(
        'the new file would not parse: b.json:1:6',
      );
      expect(await exists('b.json')).toBe(false);
    });

    it('refuses to write when the file appeared between prepare and apply', async () => {
      const call = await tools.dispatch(
        'create_file',
        JSON.stringify({ path: 'late.txt', content: 'mine\n' }),
      );
      await writeFile(join(root, 'late.txt'), 'theirs\n');
      expect(err((await (call as Extract<ToolCall, { kind: 'write' }>).execute()).result)).toContain(
        'late.txt changed since this edit was prepared; nothing was written',
      );
      expect(await read('late.txt')).toBe('theirs\n');
    });
  });

  describe('str_replace', () => {
    it('replaces the one occurrence, literally', async () => {
      const outcome = await run('str_replace', { path: 'src/a.ts', old_str: 'a = 1', new_str: 'a = "$&"' });
      expect(ok(outcome.result)).toBe('edited src/a.ts');
      expect(await read('src/a.ts')).toBe('export const a = "$&";\nexport const b = 2;\n');
      await tools.undo(outcome.undo!);
      expect(await read('src/a.ts')).toBe(FILES['src/a.ts']);
    });

    it('says how many times old_str occurs when it is not exactly once', async () => {
      expect(
        err((await run('str_replace', { path: 'src/a.ts', old_str: 'export', new_str: 'x' })).result),
      ).toBe(
        'old_str occurs 2 times in src/a.ts; it must occur exactly once (include more surrounding lines)',
      );
      expect(
        err((await run('str_replace', { path: 'src/a.ts', old_str: 'zebra', new_str: 'x' })).result),
      ).toMatch(/^old_str does not occur in src\/a.ts/);
    });

    it('refuses an edit that breaks TypeScript, JSON or Python syntax, and writes nothing', async () => {
      const ts = err(
        (await run('str_replace', { path: 'src/a.ts', old_str: 'a = 1;', new_str: 'a = ;' })).result,
      );
      expect(ts).toBe(
        'the edit would make a file that parses fail to parse: src/a.ts:1:18: Expression expected.; nothing was written',
      );
      const json = err(
        (await run('str_replace', { path: 'config.json', old_str: '"demo"', new_str: '"demo",' })).result,
      );
      expect(json).toContain('config.json:3:1');
      const py = err(
        (await run('str_replace', { path: 'tool.py', old_str: 'def f():', new_str: 'def f(:' })).result,
      );
      expect(py).toContain('tool.py:1:');
      expect(await read('src/a.ts')).toBe(FILES['src/a.ts']);
      expect(await read('config.json')).toBe(FILES['config.json']);
      expect(await read('tool.py')).toBe(FILES['tool.py']);
    });
  });

  it('writes a Python edit unchecked, saying so, where python3 is missing', async () => {
    const noPython = await WorktreeTools.open({
      root,
      commandRunner: runner,
      parseGuard: { python3Command: 'python3-that-does-not-exist' },
    });
    const outcome = await noPython.run(
      'str_replace',
      JSON.stringify({ path: 'tool.py', old_str: 'def f():', new_str: 'def f(:' }),
    );
    expect(outcome.result).toEqual({
      ok: true,
      output: 'edited tool.py',
      notes: [
        'the syntax of tool.py was not checked: python3-that-does-not-exist is not available on this worker',
      ],
    });
  });

  describe('insert', () => {
    it('inserts after line N, 0 being the top, and at the end', async () => {
      await run('insert', { path: 'src/a.ts', line: 0, text: '// top' });
      await run('insert', { path: 'src/a.ts', line: 2, text: '// middle\n' });
      await run('insert', { path: 'src/a.ts', line: 4, text: '// end' });
      expect(await read('src/a.ts')).toBe(
        '// top\nexport const a = 1;\n// middle\nexport const b = 2;\n// end\n',
      );
    });

    it('refuses a line past the end', async () => {
      expect(err((await run('insert', { path: 'src/a.ts', line: 3, text: 'x' })).result)).toBe(
        'line 3 is past the end: src/a.ts has 2 lines',
      );
    });
  });

  describe('apply_patch', () => {
    const patch = [
      'diff --git a/src/a.ts b/src/a.ts',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1,2 +1,2 @@',
      ' export const a = 1;',
      '-export const b = 2;',
      '+export const b = 3;',
      'diff --git a/src/c.ts b/src/c.ts',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/src/c.ts',
      '@@ -0,0 +1 @@',
      '+export const c = 3;',
      'diff --git a/README.md b/README.md',
      'deleted file mode 100644',
      '--- a/README.md',
      '+++ /dev/null',
      '@@ -1,3 +0,0 @@',
      '-# Demo',
      '-',
      '-Say needle here.',
      '',
    ].join('\n');

    it('checks, prepares and applies a patch that edits, creates and deletes; undo restores all', async () => {
      const call = await tools.dispatch('apply_patch', JSON.stringify({ patch }));
      if (call.kind !== 'write') throw new Error(JSON.stringify(call));
      expect(call.write.paths).toEqual(['src/a.ts', 'src/c.ts', 'README.md']);
      expect(await read('src/a.ts')).toBe(FILES['src/a.ts']); // prepare writes nothing
      const outcome = await call.execute();
      expect(ok(outcome.result)).toBe('edited src/a.ts, created src/c.ts, deleted README.md');
      expect(await read('src/a.ts')).toBe('export const a = 1;\nexport const b = 3;\n');
      expect(await read('src/c.ts')).toBe('export const c = 3;\n');
      expect(await exists('README.md')).toBe(false);
      await tools.undo(outcome.undo!);
      expect(await read('src/a.ts')).toBe(FILES['src/a.ts']);
      expect(await exists('src/c.ts')).toBe(false);
      expect(await read('README.md')).toBe(FILES['README.md']);
    });

    it('tolerates wrong hunk line counts', async () => {
      const sloppy = patch.split('diff --git a/src/c.ts')[0]!.replace('@@ -1,2 +1,2 @@', '@@ -1,7 +1,9 @@');
      expect(ok((await run('apply_patch', { patch: sloppy })).result)).toBe('edited src/a.ts');
    });

    it('refuses a patch that does not apply, writing nothing', async () => {
      const stale = patch.replace(' export const a = 1;', ' export const a = 100;');
      expect(err((await run('apply_patch', { patch: stale })).result)).toMatch(
        /^the patch does not apply, nothing was written: .*src\/a.ts/s,
      );
      expect(await read('src/a.ts')).toBe(FILES['src/a.ts']);
      expect(await exists('src/c.ts')).toBe(false);
      expect(await exists('README.md')).toBe(true);
      expect(err((await run('apply_patch', { patch: 'not a diff at all' })).result)).toMatch(
        /changes no file|not a unified diff/,
      );
    });

    it('refuses patch paths that leave the worktree, go into .git or through symlinks, and symlink creation', async () => {
      const into = (path: string) =>
        [
          `diff --git a/${path} b/${path}`,
          'new file mode 100644',
          '--- /dev/null',
          `+++ b/${path}`,
          '@@ -0,0 +1 @@',
          '+x',
          '',
        ].join('\n');
      expect(err((await run('apply_patch', { patch: into('.git/hooks/pre-commit') })).result)).toContain(
        '.git',
      );
      await symlink(outside, join(root, 'out'));
      expect(err((await run('apply_patch', { patch: into('out/x.txt') })).result)).toMatch(
        /out is a symlink to|beyond a symbolic link/,
      );
      expect(err((await run('apply_patch', { patch: into('../escape.txt') })).result)).toBeTruthy();
      const link = [
        'diff --git a/l b/l',
        'new file mode 120000',
        '--- /dev/null',
        '+++ b/l',
        '@@ -0,0 +1 @@',
        '+/etc/passwd',
        '\\ No newline at end of file',
        '',
      ].join('\n');
      expect(err((await run('apply_patch', { patch: link })).result)).toBe(
        'patches may not create or change symlinks; nothing was written',
      );
      expect(await exists('l')).toBe(false);
    });

    it('refuses a patch that breaks syntax', async () => {
      const breaking = patch
        .split('diff --git a/src/c.ts')[0]!
        .replace('+export const b = 3;', '+export const b = ;');
      expect(err((await run('apply_patch', { patch: breaking })).result)).toContain('src/a.ts:2:');
      expect(await read('src/a.ts')).toBe(FILES['src/a.ts']);
    });
  });

  describe('run_command', () => {
    it('runs argv through the command runner in the worktree, network off, with the timeout and output cap', async () => {
      runner.next = { exitCode: 0, stdout: 'all good\n' };
      const call = await tools.dispatch(
        'run_command',
        JSON.stringify({ argv: ['npm', 'test'], timeout_s: 30 }),
      );
      expect(call).toEqual(
        expect.objectContaining({ kind: 'command', argv: ['npm', 'test'], timeoutMs: 30_000 }),
      );
      expect(runner.requests).toEqual([]); // nothing runs before execute
      const outcome = await (call as Extract<ToolCall, { kind: 'command' }>).execute();
      expect(ok(outcome.result)).toBe('$ npm test\nexit code 0\nstdout:\nall good\n');
      expect(runner.requests).toEqual([
        {
          argv: ['npm', 'test'],
          cwd: tools.root,
          worktree: tools.root,
          timeoutMs: 30_000,
          network: false,
          outputCapBytes: 65_536,
        },
      ]);
      expect(outcome.command?.exitCode).toBe(0);
    });

    it('answers a failing, timed-out or unstartable command as a tool error', async () => {
      runner.next = { exitCode: 1, stderr: 'boom\n', truncated: true };
      const failed = (await run('run_command', { argv: ['npm', 'test'] })).result;
      expect(err(failed)).toBe('$ npm test\nexit code 1\nstderr:\nboom\n');
      expect(failed.notes).toEqual(['the output was cut at the output limit']);
      runner.next = { exitCode: null, signal: 'SIGKILL', timedOut: true };
      expect(err((await run('run_command', { argv: ['sleep', '99'], timeout_s: 3000 })).result)).toBe(
        '$ sleep 99\ntimed out after 1800 s and was killed',
      );
      runner.run = () => Promise.reject(new Error('spawn ENOENT'));
      expect(err((await run('run_command', { argv: ['nope'] })).result)).toBe(
        'the tool failed: spawn ENOENT',
      );
      expect(err((await run('run_command', { argv: 'npm test' })).result)).toContain('argv must be array');
    });
  });

  describe('finish', () => {
    it('returns the claim, with confidence validated to 0..1', async () => {
      const call = await tools.dispatch('finish', '{"summary":"fixed the bug; tests pass","confidence":0.9}');
      expect(call).toEqual(
        expect.objectContaining({
          kind: 'finish',
          claim: { summary: 'fixed the bug; tests pass', confidence: 0.9 },
        }),
      );
      expect(err((await run('finish', { summary: 'x', confidence: 2 })).result)).toContain(
        'confidence must be <= 1',
      );
    });
  });
});
