import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_LARGE_FILE_BYTES } from '@autopilot/contracts';
import {
  commitAll,
  makeDirectory,
  makeGitRepository,
  removeDirectories,
  testGit,
  writeFiles,
} from '@autopilot/git/testing';
import { hasCode } from '@autopilot/kernel';
import { describeRepository, type RepoScan } from '../domain/repo-scan/repo-scan';
import { MANIFEST_LIMITS } from '../domain/repo-scan/repo-snapshot';
import type { DetectedToolchain } from '../domain/toolchains/toolchain-types';
import { LocalRepoReader } from './local-repo-reader';

const made: string[] = [];
afterAll(() => removeDirectories(made));

async function repo(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await makeGitRepository(files, { prefix: 'ap-scan-' });
  made.push(dir);
  return dir;
}

async function plainDirectory(files: Record<string, string | Uint8Array>): Promise<string> {
  return makeDirectory(files, 'ap-scan-');
}

/** Runs git in `dir`, stdout trimmed. */
const git = async (dir: string, args: string[]): Promise<string> => (await testGit(dir).raw(args)).trim();

/** What a scan job makes of a location: the reader's snapshot, described. */
async function scanRepo(path: string, options: { ref?: string } = {}): Promise<RepoScan> {
  return describeRepository((await new LocalRepoReader().read(path, options)).snapshot);
}

const pkg = (body: object) => `${JSON.stringify(body, null, 2)}\n`;

/** Every evidence pointer names a scanned file, and its line holds what the field names. */
async function expectEvidenceOnDisk(
  dir: string,
  scan: RepoScan,
  toolchain: DetectedToolchain,
): Promise<void> {
  const paths = new Set(scan.snapshot.files.map((f) => f.path));
  for (const e of toolchain.evidence) {
    expect(paths).toContain(e.path);
    if (e.line === undefined) continue;
    const line = (await readFile(join(dir, e.path), 'utf8')).split('\n')[e.line - 1] ?? '';
    const key = e.field
      ?.replace(/^\[|\]$/g, '')
      .split('.')
      .at(-1);
    if (key && e.path.endsWith('.json')) expect(line).toContain(`"${key}"`);
  }
}

const only = (scan: RepoScan): DetectedToolchain => {
  expect(scan.toolchains).toHaveLength(1);
  return scan.toolchains[0] as DetectedToolchain;
};

describe('LocalRepoReader on real git repositories, one per toolchain', () => {
  it('Node: npm ci from the lockfile, scripts as argv, evidence at the script lines', async () => {
    const dir = await repo({
      'package.json': pkg({ name: 'shop', scripts: { build: 'tsc -b', test: 'jest', lint: 'eslint .' } }),
      'package-lock.json': '{"lockfileVersion": 3}\n',
      'src/index.ts': 'export {};\n',
    });
    const scan = await scanRepo(dir);
    const node = only(scan);
    expect(node).toMatchObject({
      name: 'node',
      tool: 'npm',
      directory: '.',
      installCommand: ['npm', 'ci'],
      buildCommand: ['npm', 'run', 'build'],
      testCommand: ['npm', 'run', 'test'],
      lintCommand: ['npm', 'run', 'lint'],
    });
    expect(node.evidence).toContainEqual({
      path: 'package.json',
      line: 5,
      field: 'scripts.test',
      reason: 'test script: jest',
    });
    await expectEvidenceOnDisk(dir, scan, node);
    expect(scan.snapshot).toMatchObject({ source: 'git', commit: await git(dir, ['rev-parse', 'HEAD']) });
  });

  it('Python: pip install -e . and pytest from pyproject settings', async () => {
    const dir = await repo({
      'pyproject.toml': '[project]\nname = "ml"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
      'ml/__init__.py': '',
      'tests/test_model.py': 'def test_x():\n    assert True\n',
    });
    const scan = await scanRepo(dir);
    const python = only(scan);
    expect(python).toMatchObject({
      tool: 'pip',
      installCommand: ['pip', 'install', '-e', '.'],
      testCommand: ['pytest'],
    });
    expect(python.evidence).toContainEqual({
      path: 'pyproject.toml',
      line: 4,
      field: '[tool.pytest.ini_options]',
      reason: 'pytest settings',
    });
    await expectEvidenceOnDisk(dir, scan, python);
  });

  it('Go: go build ./... and go test ./...', async () => {
    const dir = await repo({ 'go.mod': 'module example.com/api\n\ngo 1.22\n', 'main.go': 'package main\n' });
    const go = only(await scanRepo(dir));
    expect(go).toMatchObject({
      buildCommand: ['go', 'build', './...'],
      testCommand: ['go', 'test', './...'],
    });
    expect(go.evidence[0]).toEqual({
      path: 'go.mod',
      line: 1,
      field: 'module',
      reason: 'go.mod: a Go module',
    });
  });

  it('Rust: cargo build and cargo test', async () => {
    const dir = await repo({
      'Cargo.toml': '[package]\nname = "cli"\nversion = "0.1.0"\n',
      'src/main.rs': 'fn main() {}\n',
    });
    expect(only(await scanRepo(dir))).toMatchObject({
      tool: 'cargo',
      installCommand: ['cargo', 'fetch'],
      buildCommand: ['cargo', 'build'],
      testCommand: ['cargo', 'test'],
    });
  });

  it('Java: mvn -B test for Maven, ./gradlew test for Gradle with a wrapper', async () => {
    const maven = await repo({
      'pom.xml': '<project>\n  <artifactId>a</artifactId>\n</project>\n',
      'src/main/java/A.java': '',
    });
    expect(only(await scanRepo(maven))).toMatchObject({
      tool: 'maven',
      testCommand: ['mvn', '-B', 'test'],
    });
    const gradle = await repo({
      'build.gradle.kts': 'plugins { java }\n',
      gradlew: '#!/bin/sh\n',
      'src/main/java/A.java': '',
    });
    expect(only(await scanRepo(gradle))).toMatchObject({
      tool: 'gradle',
      testCommand: ['./gradlew', 'test'],
      evidence: [
        { path: 'build.gradle.kts', line: 1, reason: 'Gradle build' },
        { path: 'gradlew', reason: 'Gradle wrapper: pins the Gradle version' },
      ],
    });
  });

  it('a polyglot repository: every toolchain where it lives, languages by file count, the root layout', async () => {
    const dir = await repo({
      'README.md': '# shop\n',
      'web/package.json': pkg({ scripts: { test: 'vitest run' } }),
      'web/pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
      'web/src/a.ts': '',
      'web/src/b.ts': '',
      'web/src/c.tsx': '',
      'api/go.mod': 'module example.com/api\n',
      'api/main.go': '',
      'ml/requirements.txt': 'numpy\npytest\n',
      'ml/train.py': '',
      'engine/Cargo.toml': '[package]\nname = "engine"\n',
      'engine/src/lib.rs': '',
    });
    const scan = await scanRepo(dir);
    expect(scan.toolchains.map((t) => [t.name, t.directory, t.testCommand])).toEqual([
      ['go', 'api', ['go', 'test', './...']],
      ['rust', 'engine', ['cargo', 'test']],
      ['python', 'ml', ['pytest']],
      ['node', 'web', ['pnpm', 'run', 'test']],
    ]);
    expect(scan.toolchains.find((t) => t.name === 'python')?.installCommand).toEqual([
      'pip',
      'install',
      '-r',
      'requirements.txt',
    ]);
    expect(scan.languages[0]).toEqual({ name: 'TypeScript', files: 3 });
    expect(scan.topLevelPaths).toEqual(['README.md', 'api/', 'engine/', 'ml/', 'web/']);
    expect(scan.fileCount).toBe(12);
    for (const t of scan.toolchains) await expectEvidenceOnDisk(dir, scan, t);
  });
});

describe('hashes and determinism', () => {
  const files = {
    'package.json': pkg({ scripts: { test: 'jest' } }),
    'src/a.ts': 'export const a = 1;\n',
    'docs/guide.md': '# guide\n',
  };

  it('gives byte-identical JSON for two scans of the same repository', async () => {
    const dir = await repo(files);
    expect(JSON.stringify(await scanRepo(dir))).toBe(JSON.stringify(await scanRepo(dir)));
  });

  it('hashes each file as its git blob id, and a copy outside git to the same snapshot hash', async () => {
    const dir = await repo(files);
    const copy = await plainDirectory(files);
    made.push(copy);
    const [inGit, outside] = [await scanRepo(dir), await scanRepo(copy)];
    const staged = (await git(dir, ['ls-files', '-s'])).split('\n').map((line) => {
      const [meta, path] = line.split('\t');
      return { path, hash: meta?.split(' ')[1] };
    });
    expect(inGit.snapshot.files.map(({ path, hash }) => ({ path, hash }))).toEqual(staged);
    expect(outside.snapshot).toMatchObject({ source: 'directory', files: inGit.snapshot.files });
    expect(outside.snapshot.commit).toBeUndefined();
    expect(outside.snapshot.snapshotHash).toBe(inGit.snapshot.snapshotHash);
    expect(JSON.stringify(outside.toolchains)).toBe(JSON.stringify(inGit.toolchains));
  });
});

describe('incremental re-scan', () => {
  it('reads no file again for an unchanged repository, taking the previous texts', async () => {
    const dir = await repo({ 'package.json': pkg({ scripts: { test: 'jest' } }), 'README.md': 'x\n' });
    const reader = new LocalRepoReader();
    const first = await reader.read(dir);
    // Doctored so that a fresh read would show: reuse must hand these back untouched.
    const stored = first.snapshot.manifests.map((m) => ({ ...m, content: 'stored' }));
    const again = await reader.read(dir, { previous: { manifests: stored } });
    expect([again.manifestsRead, again.manifestsReused]).toEqual([0, 2]);
    expect(again.snapshot.manifests.map((m) => [m.path, m.content])).toEqual([
      ['README.md', 'stored'],
      ['package.json', 'stored'],
    ]);
    expect(again.snapshot.snapshotHash).toBe(first.snapshot.snapshotHash);
  });

  it('re-reads only manifests whose hash changed, including uncommitted edits', async () => {
    const dir = await repo({
      'package.json': pkg({ scripts: { test: 'jest' } }),
      'go.mod': 'module m\n',
      'README.md': 'x\n',
    });
    const reader = new LocalRepoReader();
    const first = await reader.read(dir);

    await writeFile(join(dir, 'src.ts'), 'untracked\n');
    await writeFile(join(dir, 'go.sum'), 'changed\n');
    const unread = await reader.read(dir, { previous: first.snapshot });
    expect([unread.manifestsRead, unread.manifestsReused]).toEqual([0, 3]);

    await writeFile(join(dir, 'README.md'), 'changed\n');
    const docsOnly = await reader.read(dir, { previous: first.snapshot });
    expect(docsOnly.snapshot.snapshotHash).not.toBe(first.snapshot.snapshotHash);
    expect([docsOnly.manifestsRead, docsOnly.manifestsReused]).toEqual([1, 2]);

    await writeFile(join(dir, 'package.json'), pkg({ scripts: { test: 'vitest' } }));
    const second = await reader.read(dir, { previous: first.snapshot });
    expect([second.manifestsRead, second.manifestsReused]).toEqual([2, 1]);
    const rescan = describeRepository(second.snapshot);
    expect(rescan.toolchains.find((t) => t.name === 'node')?.evidence).toContainEqual(
      expect.objectContaining({ reason: 'test script: vitest' }),
    );
    // The changed file hashes as git would once staged.
    await git(dir, ['add', 'package.json']);
    const staged = (await git(dir, ['ls-files', '-s', 'package.json'])).split(' ')[1];
    expect(rescan.snapshot.files.find((f) => f.path === 'package.json')?.hash).toBe(staged);
  });

  it('leaves out tracked files deleted from the working tree', async () => {
    const dir = await repo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    await rm(join(dir, 'b.txt'));
    expect((await scanRepo(dir)).snapshot.files.map((f) => f.path)).toEqual(['a.txt']);
  });
});

describe('refs, directories and odd repositories', () => {
  it('scans a ref as committed, ignoring the working tree, and an older commit as it was', async () => {
    const dir = await repo({ 'package.json': pkg({ scripts: { test: 'jest' } }) });
    const old = await git(dir, ['rev-parse', 'HEAD']);
    await writeFiles(dir, { 'package.json': pkg({ scripts: { test: 'vitest' } }) });
    const latest = await commitAll(dir, 'switch to vitest');
    await writeFiles(dir, { 'package.json': pkg({ scripts: { test: 'uncommitted' } }) });

    const atMain = await scanRepo(dir, { ref: 'main' });
    expect(atMain.snapshot).toMatchObject({ source: 'git', commit: latest, ref: 'main' });
    expect(atMain.toolchains[0]?.evidence).toContainEqual(
      expect.objectContaining({ reason: 'test script: vitest' }),
    );
    const atOld = await scanRepo(dir, { ref: old });
    expect(atOld.toolchains[0]?.evidence).toContainEqual(
      expect.objectContaining({ reason: 'test script: jest' }),
    );
  });

  it('walks a directory that is not a git repository, skipping node_modules and .git-like folders', async () => {
    const dir = await plainDirectory({
      'package.json': pkg({ scripts: { test: 'jest' } }),
      'src/a.js': '',
      'node_modules/dep/package.json': pkg({}),
      '.venv/lib/x.py': '',
    });
    made.push(dir);
    await symlink('src/a.js', join(dir, 'link.js'));
    const scan = await scanRepo(dir);
    expect(scan.snapshot.source).toBe('directory');
    expect(scan.snapshot.files.map((f) => f.path)).toEqual(['link.js', 'package.json', 'src/a.js']);
    expect(only(scan)).toMatchObject({ name: 'node', testCommand: ['npm', 'run', 'test'] });
  });

  it('scans only its own files when pointed at a subdirectory of a repository', async () => {
    const dir = await repo({ 'go.mod': 'module m\n', 'web/package.json': pkg({}), 'web/index.js': '' });
    const scan = await scanRepo(join(dir, 'web'));
    expect(scan.snapshot.files.map((f) => f.path)).toEqual(['index.js', 'package.json']);
    expect(scan.toolchains.map((t) => `${t.name}@${t.directory}`)).toEqual(['node@.']);
  });

  it("scans a bare repository's HEAD from its blobs", async () => {
    const dir = await repo({ 'go.mod': 'module m\n', 'main.go': '' });
    const bare = `${dir}.git`;
    made.push(bare);
    await git(dir, ['clone', '-q', '--bare', dir, bare]);
    const scan = await scanRepo(bare);
    expect(scan.snapshot).toMatchObject({ source: 'git', commit: await git(dir, ['rev-parse', 'HEAD']) });
    expect(scan.snapshot.manifests.map((m) => m.content)).toEqual(['module m\n']);
    expect(scan.toolchains.map((t) => t.name)).toEqual(['go']);
  });

  it('lists the index of a repository with no commit yet, with no commit id', async () => {
    const dir = await plainDirectory({ 'Cargo.toml': '[package]\nname = "x"\n' });
    made.push(dir);
    await git(dir, ['init', '-q', '-b', 'main']);
    await git(dir, ['add', '-A']);
    const scan = await scanRepo(dir);
    expect(scan.snapshot.commit).toBeUndefined();
    expect(scan.toolchains.map((t) => t.name)).toEqual(['rust']);
  });

  it('reads only the beginning of an oversized manifest and says so', async () => {
    const big = `{"scripts": {"test": "jest"}, "pad": "${'x'.repeat(MANIFEST_LIMITS.maxBytes)}"}`;
    const dir = await repo({ 'package.json': big });
    for (const ref of [undefined, 'main']) {
      const scan = await scanRepo(dir, ref ? { ref } : {});
      expect(scan.snapshot.manifests[0]).toMatchObject({ truncated: true });
      expect(scan.snapshot.manifests[0]?.content).toHaveLength(MANIFEST_LIMITS.maxBytes);
      expect(scan.problems.map((p) => p.message)).toContain(
        `longer than ${MANIFEST_LIMITS.maxBytes} bytes: only its beginning was read`,
      );
    }
  });
});

describe('sizes, binary flags and the texts a scan reads', () => {
  const large = (fill: number, withNul: boolean): Buffer => {
    const bytes = Buffer.alloc(REPO_LARGE_FILE_BYTES, fill);
    if (withNul) bytes[100] = 0;
    return bytes;
  };
  const files = {
    'README.md': '# shop\n',
    '.npmrc': '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n',
    'assets/logo.bin': large(1, true),
    'data/big.csv': large(0x61, false),
    'src/a.ts': 'export {};\n',
    'docs/README.md': '# not the root one\n',
    'test/fixtures/app/package.json': '{}\n',
  };

  it('sizes every file and tells large ones binary or not, in a ref, a work tree and a plain directory', async () => {
    const dir = await repo(files);
    const plain = await plainDirectory(files);
    made.push(plain);
    const reader = new LocalRepoReader();
    const reads = [await reader.read(dir, { ref: 'main' }), await reader.read(dir), await reader.read(plain)];
    for (const { snapshot } of reads) {
      const byPath = new Map(snapshot.files.map((f) => [f.path, f]));
      expect(byPath.get('assets/logo.bin')).toMatchObject({ size: REPO_LARGE_FILE_BYTES, binary: true });
      expect(byPath.get('data/big.csv')).toMatchObject({ size: REPO_LARGE_FILE_BYTES, binary: false });
      expect(byPath.get('src/a.ts')).toEqual({ path: 'src/a.ts', hash: expect.any(String), size: 11 });
      // The root README and .npmrc files are read for repo.scanned; a fixture's manifest is not.
      expect(snapshot.manifests.map((m) => m.path)).toEqual(['.npmrc', 'README.md']);
    }
  });
});

describe('bad locations and refs: typed errors naming them', () => {
  const expectError = async (promise: Promise<unknown>, code: string, names: string) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasCode(err, code)).toBe(true);
    expect((err as Error).message).toContain(names);
  };

  it('a path that does not exist', async () => {
    const missing = join(await plainDirectory({}), 'nope');
    made.push(join(missing, '..'));
    await expectError(scanRepo(missing), 'INGESTION_REPO_NOT_FOUND', missing);
  });

  it('a file, not a directory', async () => {
    const dir = await plainDirectory({ 'file.txt': 'x' });
    made.push(dir);
    await expectError(
      scanRepo(join(dir, 'file.txt')),
      'INGESTION_REPO_NOT_A_DIRECTORY',
      join(dir, 'file.txt'),
    );
  });

  it('a ref that names no commit, or looks like an option', async () => {
    const dir = await repo({ 'a.txt': 'a' });
    await expectError(
      scanRepo(dir, { ref: 'no-such-branch' }),
      'INGESTION_REPO_REF_NOT_FOUND',
      '"no-such-branch"',
    );
    await expectError(
      scanRepo(dir, { ref: '--output=/tmp/x' }),
      'INGESTION_REPO_REF_NOT_FOUND',
      '"--output=/tmp/x"',
    );
  });

  it('a ref in a directory that is not a git repository', async () => {
    const dir = await plainDirectory({ 'a.txt': 'a' });
    made.push(dir);
    await expectError(scanRepo(dir, { ref: 'main' }), 'INGESTION_REPO_NOT_GIT', dir);
  });

  it('a clone URL', async () => {
    await expectError(
      scanRepo('https://github.com/org/repo.git'),
      'INGESTION_REPO_LOCATION_UNSUPPORTED',
      'https://github.com/org/repo.git',
    );
    await expectError(
      scanRepo('git@github.com:org/repo.git'),
      'INGESTION_REPO_LOCATION_UNSUPPORTED',
      'git@github.com',
    );
  });
});
