import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Real git repositories for tests: made in a temp directory, committed, removed by `cleanup()`. */
const made: string[] = [];

export function gitRepo(files: Readonly<Record<string, string | Buffer>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'planner-gaps-'));
  made.push(dir);
  git(dir, ['init', '-q', '-b', 'main']);
  writeFiles(dir, files);
  commitAll(dir, 'initial');
  return dir;
}

export function writeFiles(dir: string, files: Readonly<Record<string, string | Buffer>>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

export function commitAll(dir: string, message: string): string {
  git(dir, ['add', '-A']);
  git(dir, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

export function git(dir: string, args: readonly string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });
}

export function cleanupRepos(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A tidy Node project: README documenting every script, license, lockfile, tests. No gaps. */
export const CLEAN_REPO: Readonly<Record<string, string>> = {
  'README.md': [
    '# Widget',
    '',
    'Build with `npm run build`, test with `npm test`, lint with `npm run lint`.',
    'Sources live in `src/`; see [the guide](docs/guide.md).',
    '',
  ].join('\n'),
  LICENSE: 'MIT License\n',
  'package.json': JSON.stringify(
    {
      name: 'widget',
      version: '1.0.0',
      scripts: { build: 'tsc', test: 'jest', lint: 'eslint .', prepare: 'npm run build' },
      devDependencies: { jest: '30.0.0', typescript: '6.0.0' },
    },
    null,
    2,
  ),
  'package-lock.json': '{"lockfileVersion": 3}\n',
  '.gitignore': 'node_modules\n.env\n',
  '.env.example': 'API_KEY=\n',
  'docs/guide.md': '# Guide\n',
  'src/widget.ts': 'export const widget = 1;\n',
  'src/widget.test.ts': "test('widget', () => expect(1).toBe(1));\n",
};
