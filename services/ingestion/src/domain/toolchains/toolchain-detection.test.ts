import { validate, RepoScannedV1 } from '@autopilot/contracts';
import { boundedInventory, describeRepository, scanResult, topLevelPaths } from '../repo-scan/repo-scan';
import {
  comparePaths,
  MANIFEST_LIMITS,
  selectManifests,
  type RepoSnapshot,
} from '../repo-scan/repo-snapshot';
import { detectToolchains, MAX_TOOLCHAINS } from './toolchain-detection';
import type { DetectedToolchain } from './toolchain-types';

/** A snapshot from path -> content; every file is readable, as an adapter would have read it. */
function snapshot(tree: Record<string, string>): RepoSnapshot {
  const files = Object.keys(tree)
    .sort(comparePaths)
    .map((path, i) => ({ path, hash: i.toString(16).padStart(40, '0') }));
  const manifests = selectManifests(files).map((f) => ({
    path: f.path,
    hash: f.hash,
    content: tree[f.path] ?? '',
    truncated: false,
  }));
  return { root: '/repo', source: 'git', files, manifests, snapshotHash: 'a'.repeat(64) };
}

function detect(tree: Record<string, string>) {
  const s = snapshot(tree);
  return detectToolchains(s.files, s.manifests);
}

function only(tree: Record<string, string>): DetectedToolchain {
  const { toolchains } = detect(tree);
  expect(toolchains).toHaveLength(1);
  return toolchains[0] as DetectedToolchain;
}

const pkg = (body: object) => `${JSON.stringify(body, null, 2)}\n`;

describe('Node', () => {
  it('takes npm ci from package-lock.json and each script as `npm run <script>`, with lines', () => {
    const t = only({
      'package.json': pkg({ name: 'x', scripts: { build: 'tsc', test: 'jest', lint: 'eslint .' } }),
      'package-lock.json': '{}',
    });
    expect(t).toMatchObject({
      name: 'node',
      tool: 'npm',
      directory: '.',
      manifestPath: 'package.json',
      installCommand: ['npm', 'ci'],
      buildCommand: ['npm', 'run', 'build'],
      testCommand: ['npm', 'run', 'test'],
      lintCommand: ['npm', 'run', 'lint'],
    });
    expect(t.evidence).toContainEqual({
      path: 'package.json',
      line: 5,
      field: 'scripts.test',
      reason: 'test script: jest',
    });
    expect(t.evidence).toContainEqual({
      path: 'package-lock.json',
      reason: 'lockfile written by npm: install exactly what it pins',
    });
  });

  it('uses pnpm and yarn by their lockfiles, with their frozen installs', () => {
    const scripts = { scripts: { test: 'vitest' } };
    expect(only({ 'package.json': pkg(scripts), 'pnpm-lock.yaml': '' })).toMatchObject({
      tool: 'pnpm',
      installCommand: ['pnpm', 'install', '--frozen-lockfile'],
      testCommand: ['pnpm', 'run', 'test'],
    });
    expect(only({ 'package.json': pkg(scripts), 'yarn.lock': '', '.yarnrc.yml': '' })).toMatchObject({
      tool: 'yarn',
      installCommand: ['yarn', 'install', '--immutable'],
    });
    // Yarn 1 has no --immutable: without .yarnrc.yml it is the classic one.
    expect(only({ 'package.json': pkg(scripts), 'yarn.lock': '' }).installCommand).toEqual([
      'yarn',
      'install',
      '--frozen-lockfile',
    ]);
  });

  it('lets the packageManager field decide, and reports lockfiles of several managers', () => {
    const result = detect({
      'package.json': pkg({ packageManager: 'pnpm@9.1.0', scripts: { test: 't' } }),
      'package-lock.json': '{}',
      'pnpm-lock.yaml': '',
    });
    expect(result.toolchains[0]).toMatchObject({
      tool: 'pnpm',
      installCommand: ['pnpm', 'install', '--frozen-lockfile'],
    });
    expect(result.toolchains[0]?.evidence).toContainEqual({
      path: 'package.json',
      line: 2,
      field: 'packageManager',
      reason: 'packageManager field: pnpm@9.1.0',
    });
    expect(result.problems).toEqual([
      {
        path: 'package.json',
        message: 'lockfiles of several package managers side by side: pnpm-lock.yaml, package-lock.json',
      },
    ]);
  });

  it("refuses npm init's always-failing test script, and installs with npm install without a lockfile", () => {
    const t = only({
      'package.json': pkg({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }),
    });
    expect(t.testCommand).toBeUndefined();
    expect(t.installCommand).toEqual(['npm', 'install']);
    expect(t.evidence.map((e) => e.field)).toContain('scripts.test');
  });

  it('reports an unparseable package.json as a problem and still finds the toolchain', () => {
    const result = detect({ 'package.json': '{ "scripts": ' });
    expect(result.toolchains.map((t) => t.name)).toEqual(['node']);
    expect(result.problems[0]?.path).toBe('package.json');
    expect(result.problems[0]?.message).toMatch(/^not valid JSON/);
  });

  it('folds workspace members into the root, but not packages outside the globs', () => {
    const { toolchains } = detect({
      'package.json': pkg({ workspaces: ['packages/*'], scripts: { test: 'jest' } }),
      'package-lock.json': '{}',
      'packages/a/package.json': pkg({ name: 'a' }),
      'packages/b/package.json': pkg({ name: 'b' }),
      'tools/gen/package.json': pkg({ name: 'gen', scripts: { build: 'node build.js' } }),
    });
    expect(toolchains.map((t) => [t.directory, t.workspaces])).toEqual([
      ['.', ['packages/*']],
      ['tools/gen', undefined],
    ]);
  });

  it('reads pnpm-workspace.yaml packages as workspaces', () => {
    const t = only({
      'package.json': pkg({}),
      'pnpm-lock.yaml': '',
      'pnpm-workspace.yaml': "packages:\n  - 'apps/*'\n  - libs/**\n",
      'apps/web/package.json': pkg({}),
      'libs/deep/x/package.json': pkg({}),
    });
    expect(t.workspaces).toEqual(['apps/*', 'libs/**']);
    expect(t.evidence).toContainEqual(expect.objectContaining({ path: 'pnpm-workspace.yaml', line: 1 }));
  });

  it('ignores manifests in dependencies and fixtures', () => {
    const { toolchains } = detect({
      'node_modules/left-pad/package.json': pkg({}),
      'src/testdata/go.mod': 'module fixture\n',
      'test/fixtures/app/package.json': pkg({}),
      'main.go': '',
      'go.mod': 'module example.com/m\n',
    });
    expect(toolchains.map((t) => t.manifestPath)).toEqual(['go.mod']);
  });
});

describe('Python', () => {
  it('installs a pyproject package with its test extra and runs pytest from its settings', () => {
    const pyproject = [
      '[project]',
      'name = "x"',
      '',
      '[project.optional-dependencies]',
      'test = ["pytest>=8"]',
      '',
      '[tool.pytest.ini_options]',
      'addopts = "-q"',
      '',
    ].join('\n');
    const t = only({ 'pyproject.toml': pyproject });
    expect(t).toMatchObject({
      name: 'python',
      tool: 'pip',
      manifestPath: 'pyproject.toml',
      installCommand: ['pip', 'install', '-e', '.[test]'],
      testCommand: ['pytest'],
    });
    expect(t.evidence).toEqual([
      { path: 'pyproject.toml', line: 1, field: '[project]', reason: 'pyproject.toml: a Python project' },
      {
        path: 'pyproject.toml',
        line: 5,
        field: '[project.optional-dependencies].test',
        reason: 'installable package with a "test" extra',
      },
      { path: 'pyproject.toml', line: 7, field: '[tool.pytest.ini_options]', reason: 'pytest settings' },
    ]);
  });

  it('installs requirements files with pip install -r and finds pytest in them', () => {
    const t = only({
      'requirements.txt': 'flask==3\n',
      'requirements-dev.txt': '# tools\npytest==8.2\n',
      'requirements-docs.txt': 'sphinx\n',
      'app.py': '',
    });
    expect(t.installCommand).toEqual([
      'pip',
      'install',
      '-r',
      'requirements.txt',
      '-r',
      'requirements-dev.txt',
    ]);
    expect(t.testCommand).toEqual(['pytest']);
    expect(t.evidence).toContainEqual({
      path: 'requirements-dev.txt',
      line: 2,
      reason: 'pytest is a dependency',
    });
  });

  it('runs through Poetry or uv when their lockfiles are there', () => {
    const pyproject = '[tool.poetry]\nname = "x"\n\n[build-system]\nrequires = ["poetry-core"]\n';
    expect(only({ 'pyproject.toml': pyproject, 'poetry.lock': '', 'tests/test_a.py': '' })).toMatchObject({
      tool: 'poetry',
      installCommand: ['poetry', 'install'],
      buildCommand: ['poetry', 'build'],
      testCommand: ['poetry', 'run', 'pytest'],
    });
    expect(
      only({ 'pyproject.toml': '[project]\nname = "x"\n', 'uv.lock': '', 'conftest.py': '' }),
    ).toMatchObject({
      tool: 'uv',
      installCommand: ['uv', 'sync', '--frozen'],
      testCommand: ['uv', 'run', 'pytest'],
    });
  });

  it('finds pytest from a test module when nothing else names it, pointing at the module', () => {
    const t = only({ 'setup.py': '', 'pkg/__init__.py': '', 'tests/test_core.py': '' });
    expect(t.installCommand).toEqual(['pip', 'install', '-e', '.']);
    expect(t.evidence).toContainEqual({
      path: 'tests/test_core.py',
      reason: 'a test module pytest collects',
    });
  });

  it('uses tox when tox.ini is the only test setting, and ignores setup.cfg that only configures flake8', () => {
    expect(only({ 'tox.ini': '[tox]\nenvlist = py312\n', 'requirements.txt': 'x\n' }).testCommand).toEqual([
      'tox',
    ]);
    expect(detect({ 'setup.cfg': '[flake8]\nmax-line-length = 100\n' }).toolchains).toEqual([]);
  });

  it('counts docs/requirements.txt under a Python project as part of it, and a nested package as its own', () => {
    const { toolchains } = detect({
      'pyproject.toml': '[project]\nname = "x"\n',
      'docs/requirements.txt': 'sphinx\n',
      'plugins/extra/pyproject.toml': '[project]\nname = "extra"\n',
    });
    expect(toolchains.map((t) => t.directory)).toEqual(['.', 'plugins/extra']);
  });
});

describe('Go, Rust and Java', () => {
  it('Go: module line as evidence; a nested module is reported on its own', () => {
    const { toolchains } = detect({
      'go.mod': '// comment\nmodule example.com/app\n\ngo 1.22\n',
      'go.sum': '',
      'tools/go.mod': 'module example.com/app/tools\n',
    });
    expect(toolchains.map((t) => t.directory)).toEqual(['.', 'tools']);
    expect(toolchains[0]).toMatchObject({
      installCommand: ['go', 'mod', 'download'],
      buildCommand: ['go', 'build', './...'],
      testCommand: ['go', 'test', './...'],
    });
    expect(toolchains[0]?.evidence[0]).toEqual({
      path: 'go.mod',
      line: 2,
      field: 'module',
      reason: 'go.mod: a Go module',
    });
  });

  it('Rust: a workspace covers its members and tests with --workspace', () => {
    const { toolchains } = detect({
      'Cargo.toml': '[workspace]\nmembers = [\n  "crates/core",\n  "crates/cli",\n]\n',
      'Cargo.lock': '',
      'crates/core/Cargo.toml': '[package]\nname = "core"\n',
      'crates/cli/Cargo.toml': '[package]\nname = "cli"\n',
    });
    expect(toolchains).toHaveLength(1);
    expect(toolchains[0]).toMatchObject({
      tool: 'cargo',
      installCommand: ['cargo', 'fetch', '--locked'],
      testCommand: ['cargo', 'test', '--workspace'],
      workspaces: ['crates/core', 'crates/cli'],
    });
  });

  it('Java: Maven through its wrapper, with modules; Gradle through gradlew with settings includes', () => {
    const pom =
      '<?xml version="1.0"?>\n<project>\n  <modules>\n    <module>api</module>\n  </modules>\n</project>\n';
    const maven = detect({ 'pom.xml': pom, mvnw: '', 'api/pom.xml': '<project/>' });
    expect(maven.toolchains).toHaveLength(1);
    expect(maven.toolchains[0]).toMatchObject({
      tool: 'maven',
      testCommand: ['./mvnw', '-B', 'test'],
      workspaces: ['api'],
    });
    expect(maven.toolchains[0]?.evidence[0]).toEqual({ path: 'pom.xml', line: 2, reason: 'Maven build' });

    const gradle = only({
      'build.gradle.kts': 'plugins { java }\n',
      'settings.gradle.kts': 'rootProject.name = "x"\ninclude(":app", ":lib")\n',
      gradlew: '',
      'app/build.gradle.kts': '',
    });
    expect(gradle).toMatchObject({
      tool: 'gradle',
      testCommand: ['./gradlew', 'test'],
      workspaces: ['app', 'lib'],
    });
  });

  it('Java: plain mvn without a wrapper; Maven beats a wrapper-less Gradle build, with a problem', () => {
    const result = detect({ 'pom.xml': '<project/>', 'build.gradle': '' });
    expect(result.toolchains[0]).toMatchObject({ tool: 'maven', testCommand: ['mvn', '-B', 'test'] });
    expect(result.problems[0]?.path).toBe('build.gradle');
  });
});

describe('a whole repository', () => {
  const polyglot = {
    'README.md': '# x\n',
    'web/package.json': pkg({ scripts: { test: 'vitest' } }),
    'web/package-lock.json': '{}',
    'web/src/main.ts': '',
    'web/src/app.ts': '',
    'api/go.mod': 'module example.com/api\n',
    'api/main.go': '',
    'ml/pyproject.toml': '[project]\nname = "ml"\n[tool.pytest.ini_options]\n',
    'ml/model.py': '',
  };

  it('reports every toolchain, root first then by depth and path, with layout and languages', () => {
    const scan = describeRepository(snapshot(polyglot));
    expect(scan.toolchains.map((t) => `${t.name}@${t.directory}`)).toEqual([
      'go@api',
      'python@ml',
      'node@web',
    ]);
    expect(scan.topLevelPaths).toEqual(['README.md', 'api/', 'ml/', 'web/']);
    expect(scan.languages).toEqual([
      { name: 'JSON', files: 2 },
      { name: 'TypeScript', files: 2 },
      { name: 'Go', files: 1 },
      { name: 'Markdown', files: 1 },
      { name: 'Python', files: 1 },
      { name: 'TOML', files: 1 },
    ]);
    expect(scan.fileCount).toBe(9);
  });

  it('gives a result the repo.scanned contract accepts', () => {
    const result = scanResult(describeRepository(snapshot(polyglot)));
    const payload = {
      projectId: 'p',
      jobId: 'j',
      repo: { location: '/repo', defaultBranch: 'main' },
      commit: 'a'.repeat(40),
      scannedAt: '2026-01-01T00:00:00.000Z',
      ...result,
    };
    expect(validate(RepoScannedV1, payload)).toEqual([]);
  });

  it('keeps at most 50 toolchains, the shallowest, and says what it left out', () => {
    const tree: Record<string, string> = {};
    for (let i = 0; i < MAX_TOOLCHAINS + 2; i++)
      tree[`svc${String(i).padStart(2, '0')}/go.mod`] = 'module m\n';
    const result = detect(tree);
    expect(result.toolchains).toHaveLength(MAX_TOOLCHAINS);
    expect(result.toolchains.at(-1)?.directory).toBe('svc49');
    expect(result.problems.map((p) => p.path)).toEqual(['svc50/go.mod', 'svc51/go.mod']);
  });

  it('reads at most the configured number of manifests, shallowest first', () => {
    const files = Array.from({ length: MANIFEST_LIMITS.maxCount + 5 }, (_, i) => ({
      path: `a/${String(i).padStart(4, '0')}/package.json`,
      hash: '0'.repeat(40),
    }));
    files.push({ path: 'package.json', hash: '0'.repeat(40) });
    files.sort((a, b) => comparePaths(a.path, b.path));
    const chosen = selectManifests(files);
    expect(chosen).toHaveLength(MANIFEST_LIMITS.maxCount);
    expect(chosen.at(-1)?.path).toBe('package.json');
  });

  it('bounds the inventory keeping the shallowest paths, in path order', () => {
    const files = ['a/b/c.txt', 'z.txt', 'a/x.txt', 'b.txt']
      .sort(comparePaths)
      .map((path) => ({ path, hash: '0'.repeat(40) }));
    expect(boundedInventory(files, 3)).toEqual({
      files: [
        { path: 'a/x.txt', hash: '0'.repeat(40) },
        { path: 'b.txt', hash: '0'.repeat(40) },
        { path: 'z.txt', hash: '0'.repeat(40) },
      ],
      truncated: true,
    });
    expect(topLevelPaths(files)).toEqual(['a/', 'b.txt', 'z.txt']);
  });

  it('is deterministic: the same snapshot gives byte-identical JSON', () => {
    expect(JSON.stringify(describeRepository(snapshot(polyglot)))).toBe(
      JSON.stringify(describeRepository(snapshot({ ...polyglot }))),
    );
  });
});
