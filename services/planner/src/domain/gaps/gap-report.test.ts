import { GapReportCreatedV1, validateStrict } from '@autopilot/contracts';
import { sha256Hex } from '@autopilot/kernel';
import { CLEAN_REPO, scannedRepoOf, snapshotOf, type RepoFiles } from './gap-fixtures.test-support';
import { scanGaps, type RepoGapReport } from './gap-report';
import { snapshotFromScan } from './gap-snapshot';

/** The content hash the app passes (domain code receives it as data). */
const hash = sha256Hex;

// The scanner is pure; these tests feed it snapshots of repositories built from plain files.
const scan = async (files: RepoFiles, options = {}) => scanGaps(snapshotOf(files), { hash, ...options });
const ofKind = (report: RepoGapReport, kind: string) => report.gaps.filter((g) => g.kind === kind);

describe('scanGaps', () => {
  it('finds no gap in a tidy repository', async () => {
    const report = await scan(CLEAN_REPO);
    expect(report.gaps).toEqual([]);
    expect(report.summary).toContain('No gaps found');
    expect(report.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('gives a byte-identical report for an identical repository state, and a new id when it changes', () => {
    const files = {
      ...CLEAN_REPO,
      '.gitignore': '',
      'debug.log': 'x\n',
      '.env': 'KEY=1\n',
      'lib/a.py': 'x = 1\n',
    };
    const first = JSON.stringify(scanGaps(snapshotOf(files), { hash }));
    const again = JSON.stringify(scanGaps(snapshotOf({ ...files }), { hash }));
    expect(again).toBe(first);

    const changed = scanGaps(snapshotOf({ ...files, 'notes.tmp': 'scratch\n' }), { hash });
    expect(changed.id).not.toBe(JSON.parse(first).id);
  });

  it('reports a committed secrets file as a blocking protected-path violation, each file on its own', async () => {
    const report = await scan({
      ...CLEAN_REPO,
      '.gitignore': 'node_modules\n', // .env is not ignored here, so it gets committed
      '.env': 'STRIPE_KEY=sk_live_x\n',
      'config/.env.production': 'X=1\n',
      'deploy/server.pem': '-----BEGIN PRIVATE KEY-----\n',
      'keys/id_rsa': 'ssh key\n',
      '.npmrc': 'registry=https://r.example\n//r.example/:_authToken=abc\n',
      'test/fixtures/self-signed.key': 'k\n',
    });
    const violations = ofKind(report, 'protected_path_violation');
    expect(violations.map((g) => g.evidence[0]!.ref).sort()).toEqual([
      '.env',
      '.npmrc',
      'config/.env.production',
      'deploy/server.pem',
      'keys/id_rsa',
      'test/fixtures/self-signed.key',
    ]);
    expect(violations.find((g) => g.evidence[0]!.ref === '.npmrc')!.evidence[0]!.start).toBe(2);
    const fixture = violations.find((g) => g.evidence[0]!.ref === 'test/fixtures/self-signed.key')!;
    expect([fixture.risk, fixture.blocking]).toEqual(['medium', false]);
    expect(violations.filter((g) => g.blocking)).toHaveLength(5);
    // Blocking gaps come first.
    expect(report.gaps.slice(0, 5).every((g) => g.blocking)).toBe(true);
    // The example file documents variables and is no violation.
    expect(violations.some((g) => g.evidence[0]!.ref === '.env.example')).toBe(false);
  });

  it('reports README commands and paths that do not exist, and scripts the README never mentions', async () => {
    const report = await scan({
      ...CLEAN_REPO,
      'README.md': [
        '# Widget',
        '',
        '```sh',
        'npm run build',
        'npm run deploy',
        'npm test',
        '```',
        'Sources in `src/`, old code in `src/legacy/old.ts`, docs in [guide](docs/missing.md).',
        'See [site](https://example.com) and [top](#widget).',
      ].join('\n'),
    });
    const drift = ofKind(report, 'doc_drift');
    const byKey = (needle: string) => drift.find((g) => g.title.includes(needle));

    const deploy = byKey('"deploy"')!;
    expect(deploy.evidence).toEqual([
      { kind: 'repo_path', ref: 'README.md', start: 5, end: 6, excerpt: 'npm run deploy' },
    ]);
    expect(byKey('src/legacy/old.ts')!.evidence[0]).toMatchObject({ ref: 'README.md', start: 8 });
    expect(byKey('docs/missing.md')!.evidence[0]).toMatchObject({ ref: 'README.md', start: 8 });
    const undocumented = byKey('not mentioned in the README')!;
    expect(undocumented.detail).toContain('lint');
    expect(undocumented.evidence[0]).toMatchObject({ ref: 'package.json', excerpt: '"lint": "eslint ."' });
    expect(undocumented.detail).not.toContain('prepare');
    expect(drift).toHaveLength(4);
    expect(drift.every((g) => !g.blocking && g.risk === 'low')).toBe(true);
  });

  it('reports a repository without any test as blocking, and a package without a test script', async () => {
    const report = await scan({
      'README.md': '# Tool\n\nRun `npm start`.\n',
      LICENSE: 'MIT\n',
      'package.json': JSON.stringify({ name: 'tool', scripts: { start: 'node src/main.js' } }, null, 2),
      'src/main.js': 'console.log(1);\n',
    });
    const noTests = ofKind(report, 'missing_tests');
    expect(noTests).toHaveLength(1);
    expect(noTests[0]).toMatchObject({ risk: 'high', blocking: true, title: 'The repository has no tests' });
    const noCommand = ofKind(report, 'missing_test_command');
    expect(noCommand).toHaveLength(1);
    expect(noCommand[0]).toMatchObject({ risk: 'high', blocking: true });
    expect(noCommand[0]!.evidence[0]).toMatchObject({ ref: 'package.json', start: 3 });
  });

  it('reports source directories without tests, and judges test commands from the scan toolchains when given', async () => {
    const snapshot = snapshotOf({
      ...CLEAN_REPO,
      'packages/core/src/index.ts': 'export {};\n',
      'packages/core/src/index.test.ts': 'test("x", () => {});\n',
      'packages/cli/src/main.ts': 'export {};\n',
      'tools/gen.py': 'print(1)\n',
    });
    const report = scanGaps(
      {
        ...snapshot,
        toolchains: [
          { name: 'node', manifestPath: 'package.json', testCommand: ['npm', 'test'] },
          { name: 'python', manifestPath: 'tools/pyproject.toml' },
        ],
      },
      { hash },
    );
    expect(ofKind(report, 'missing_tests').map((g) => g.evidence[0]!.ref)).toEqual(['packages/cli/']);
    const command = ofKind(report, 'missing_test_command');
    expect(command.map((g) => [g.evidence[0]!.ref, g.blocking])).toEqual([['tools/pyproject.toml', false]]);

    const asked = scanGaps(snapshot, { hash, reportTestsNotRun: true });
    expect(ofKind(asked, 'tests_not_run')[0]!.evidence[0]).toMatchObject({ ref: 'package.json' });
    expect(ofKind(report, 'tests_not_run')).toEqual([]);
  });

  it('reports root clutter and stray files', async () => {
    const loose: Record<string, string> = {};
    for (let i = 0; i < 30; i++) loose[`note-${String(i).padStart(2, '0')}.txt`] = `${i}\n`;
    const report = await scan({
      ...CLEAN_REPO,
      ...loose,
      '.gitignore': '*.pdf\n', // node_modules is not ignored here, so it gets committed
      'server.log': 'log\n',
      'src/widget.ts.orig': 'old\n',
      'src/.DS_Store': 'x',
      'node_modules/left-pad/index.js': 'module.exports = 1;\n',
    });
    const clutter = ofKind(report, 'root_clutter')[0]!;
    expect(clutter.title).toBe('37 loose files at the repository root');
    expect(clutter.evidence.length).toBeLessThanOrEqual(50);
    const stray = ofKind(report, 'stray_files')[0]!;
    expect(stray.evidence.map((e) => e.ref)).toEqual([
      'node_modules/',
      'server.log',
      'src/.DS_Store',
      'src/widget.ts.orig',
    ]);
    expect(stray.risk).toBe('medium');
  });

  it('reports a missing lockfile, two lockfiles, and a lockfile of the wrong manager', async () => {
    const pkg = (extra: object) =>
      JSON.stringify({ ...JSON.parse(CLEAN_REPO['package.json']!), ...extra }, null, 2);
    const { 'package-lock.json': _lock, ...withoutLock } = CLEAN_REPO;
    const missing = await scan(withoutLock);
    expect(ofKind(missing, 'lockfile_drift').map((g) => g.title)).toEqual([
      'package.json has dependencies but no lockfile',
    ]);
    expect(ofKind(missing, 'lockfile_drift')[0]!.evidence[0]).toMatchObject({
      ref: 'package.json',
      start: 10,
    });

    const both = await scan({
      ...CLEAN_REPO,
      'package.json': pkg({ packageManager: 'pnpm@9.0.0' }),
      'yarn.lock': '# yarn\n',
      Gemfile: "source 'https://rubygems.org'\n",
    });
    const titles = ofKind(both, 'lockfile_drift').map((g) => g.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Lockfiles of npm and yarn side by side in the root',
        "package.json names pnpm, but the lockfile is npm, yarn's",
        'Gemfile has no Gemfile.lock',
      ]),
    );
    expect(titles).toHaveLength(3);
  });

  it('reports large binaries, by git content check, but not large text under the hard limit', async () => {
    const binary = Buffer.alloc(1_200_000, 1);
    binary[100] = 0;
    const report = await scan({
      ...CLEAN_REPO,
      'assets/video.bin': binary,
      'data/big.csv': 'a,b\n'.repeat(300_000),
    });
    const large = ofKind(report, 'large_binary');
    expect(large).toHaveLength(1);
    expect(large[0]!.evidence).toEqual([
      { kind: 'repo_path', ref: 'assets/video.bin', excerpt: '1.1 MiB, binary' },
    ]);
  });

  it('reports a missing README and LICENSE', async () => {
    const { 'README.md': _readme, LICENSE: _license, ...rest } = CLEAN_REPO;
    const report = await scan(rest);
    expect(ofKind(report, 'missing_readme')).toHaveLength(1);
    const license = ofKind(report, 'missing_license')[0]!;
    expect(license.risk).toBe('low');
    expect(report.gaps.some((g) => g.blocking)).toBe(false);
  });

  it('fits the GapReport v1 contract once the app adds project and time', async () => {
    const report = await scan({ ...CLEAN_REPO, '.gitignore': '', '.env': 'X=1\n', 'a.log': 'x\n' });
    const payload = { ...report, projectId: 'p-1', createdAt: '2026-11-24T10:15:00.000Z' };
    expect(validateStrict(GapReportCreatedV1, payload)).toEqual([]);
  });
});

describe('scanGaps on the snapshot a repo.scanned event describes', () => {
  const dirty: RepoFiles = {
    ...CLEAN_REPO,
    '.gitignore': '',
    '.env': 'KEY=1\n',
    '.npmrc': '//r.example/:_authToken=***\n',
    'debug.log': 'x\n',
    'web/package.json': JSON.stringify({ name: 'web', packageManager: 'yarn@4.0.0' }),
    'web/package-lock.json': '{}',
    'assets/video.bin': Object.assign(Buffer.alloc(1_200_000, 1), { [100]: 0 }),
  };

  it('finds what a snapshot of the repository finds: same gaps, same id', () => {
    const fromEvent = scanGaps(snapshotFromScan(scannedRepoOf(dirty)), { hash });
    // The event always names the toolchains the scan found (none here): test commands are judged from them.
    const fromFiles = scanGaps({ ...snapshotOf(dirty), toolchains: [] }, { hash });
    expect(fromEvent).toEqual(fromFiles);
    expect(fromEvent.gaps.map((g) => g.kind)).toEqual(
      expect.arrayContaining(['protected_path_violation', 'lockfile_drift', 'large_binary', 'stray_files']),
    );
  });

  it('takes the toolchains the scan found, and ignores texts it cut short', () => {
    const scanned = scannedRepoOf(CLEAN_REPO, {
      toolchains: [{ name: 'node', manifestPath: 'package.json' }],
    });
    const cut = {
      ...scanned,
      fileTexts: scanned.fileTexts!.map((t) => (t.path === 'README.md' ? { ...t, truncated: true } : t)),
    };
    const report = scanGaps(snapshotFromScan(cut), { hash });
    // No working test command per the toolchain; the README's text is not judged from a part of it.
    expect(ofKind(report, 'missing_test_command').map((g) => g.evidence[0]!.ref)).toEqual(['package.json']);
    expect(ofKind(report, 'doc_drift')).toEqual([]);
  });

  it('on a bounded inventory, leaves out what only the whole file list could show, and says so', () => {
    const files: RepoFiles = {
      ...CLEAN_REPO,
      'README.md': `${CLEAN_REPO['README.md']}See \`src/deep/module.ts\`.\n`,
      'lib/a.py': 'x = 1\n',
      'debug.log': 'x\n',
    };
    const whole = scanGaps(snapshotFromScan(scannedRepoOf(files)), { hash });
    expect(ofKind(whole, 'missing_tests')).toHaveLength(1);
    expect(ofKind(whole, 'doc_drift').map((g) => g.title)).toEqual([
      'README points to src/deep/module.ts, which is not in the repository',
    ]);

    // The scan listed every file but said the repository holds more (deeper ones were left out).
    const partial = scanGaps(
      snapshotFromScan(scannedRepoOf(files, { fileCount: 5000, filesTruncated: true })),
      {
        hash,
      },
    );
    expect(partial.gaps.map((g) => g.kind)).toEqual(['stray_files']);
    expect(partial.summary).toContain('Judged on 11 of 5000 files (the shallowest)');
  });
});
