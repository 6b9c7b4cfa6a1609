import type { RepoScannedV1, TaskSpec } from '@autopilot/contracts';
import { repoViewFromScan, type RepoView } from './repo-view';
import { asRulesMadeIt, checkTasksAgainstRepo, rulesFieldsOf } from './task-repo-check';

const COMMIT = 'a'.repeat(40);
const HASH = 'b'.repeat(40);

/** A scan of a small npm project: src/, docs/, a test script and a build script. */
function scan(overrides: Partial<RepoScannedV1> = {}): RepoScannedV1 {
  const files = ['package.json', 'README.md', 'src/index.ts', 'src/api/routes.ts', 'docs/guide.md'];
  return {
    projectId: 'p1',
    jobId: 'job-1',
    repo: { location: '/repo', defaultBranch: 'main' },
    commit: COMMIT,
    toolchains: [
      {
        name: 'node',
        tool: 'npm',
        directory: '.',
        manifestPath: 'package.json',
        testCommand: ['npm', 'run', 'test'],
        buildCommand: ['npm', 'run', 'build'],
      },
    ],
    languages: [{ name: 'TypeScript', files: 2 }],
    fileCount: files.length,
    topLevelPaths: ['README.md', 'docs/', 'package.json', 'src/'],
    scannedAt: '2026-12-07T00:00:00.000Z',
    files: files.map((path) => ({ path, hash: HASH })),
    fileTexts: [
      { path: 'package.json', text: JSON.stringify({ scripts: { test: 'jest', build: 'tsc -b' } }) },
    ],
    ...overrides,
  };
}

function task(fields: Partial<TaskSpec>): TaskSpec {
  return {
    id: 'task-1',
    title: 'Add the cache',
    kind: 'code',
    planNodeId: 'pn-1',
    dependsOn: [],
    scopePaths: [],
    validationCommands: [],
    ...fields,
  };
}

function checkOne(fields: Partial<TaskSpec>, view: RepoView = repoViewFromScan(scan())): TaskSpec {
  return checkTasksAgainstRepo([task(fields)], view)[0]!;
}

describe('checkTasksAgainstRepo (issue 17: scope and validation against the scanned repository)', () => {
  it('keeps existing paths and new files or folders under existing folders; drops the rest with a reason', () => {
    const checked = checkOne({
      scopePaths: [
        'src/index.ts', // exists
        'src/cache.ts', // new file in src/
        'src/cache/**', // new folder in src/
        'src/store/index.ts', // new file in a new folder in src/
        'docs/**', // an existing folder
        'src/api', // an existing folder, no slash
        '.github/workflows/ci.yml', // a new file in folders not there yet: kept, flagged
        'lib/legacy/**', // a new folder in folders not there yet: kept, flagged
        'lib/legacy/adapter', // no extension, no folder: prose that looked like a path
        'docs/backend/frontend/tests/database', // a category list that looked like a path
      ],
    });
    expect(checked.scopePaths).toEqual([
      'src/index.ts',
      'src/cache.ts',
      'src/cache/**',
      'src/store/index.ts',
      'docs/**',
      'src/api',
      '.github/workflows/ci.yml',
      'lib/legacy/**',
    ]);
    expect(checked.repoCheck?.notes.map((n) => [n.kind, n.subject])).toEqual([
      ['scope_unverified', '.github/workflows/ci.yml'],
      ['scope_unverified', 'lib/legacy/**'],
      ['scope_dropped', 'lib/legacy/adapter'],
      ['scope_dropped', 'docs/backend/frontend/tests/database'],
      ['validation_default', 'npm run build'],
      ['validation_default', 'npm run test'],
    ]);
    const [ci, , adapter] = checked.repoCheck!.notes;
    expect(ci!.reason).toContain('a new file in folders the repository at aaaaaaaaaaaa does not have yet');
    expect(adapter!.reason).toContain('neither `lib/legacy/adapter` nor the folder `lib/legacy/`');
    expect(checked.repoCheck?.commit).toBe(COMMIT);
  });

  it('keeps an unlisted path under an existing root folder, marked unverified, when the scan listed only some files', () => {
    const view = repoViewFromScan(scan({ fileCount: 5000, filesTruncated: true }));
    const checked = checkOne({ scopePaths: ['src/deep/nested/file.ts', 'vendor/tool'] }, view);
    expect(checked.scopePaths).toEqual(['src/deep/nested/file.ts']);
    const scopeNotes = checked.repoCheck?.notes.filter((n) => n.kind.startsWith('scope'));
    expect(scopeNotes?.map((n) => [n.kind, n.subject])).toEqual([
      ['scope_unverified', 'src/deep/nested/file.ts'],
      ['scope_dropped', 'vendor/tool'],
    ]);
    expect(scopeNotes?.[0]?.reason).toContain('not among the 5 of 5000 files');
  });

  it("keeps every path, flagged, when all of a task's paths would go: an empty scope would not bound it", () => {
    const checked = checkOne({ scopePaths: ['lib/legacy/adapter', 'vendor/tool'] });
    expect(checked.scopePaths).toEqual(['lib/legacy/adapter', 'vendor/tool']);
    const scopeNotes = checked.repoCheck?.notes.filter((n) => n.kind.startsWith('scope'));
    expect(scopeNotes?.map((n) => n.kind)).toEqual(['scope_unverified', 'scope_unverified']);
    expect(scopeNotes?.[0]?.reason).toMatch(/kept, as every path of the task would go/);
  });

  it("gives a task with no check from the blueprint the toolchain's build and test commands, noted", () => {
    const checked = checkOne({ scopePaths: ['src/cache.ts'] });
    expect(checked.validationCommands).toEqual([
      ['npm', 'run', 'build'],
      ['npm', 'run', 'test'],
    ]);
    expect(checked.repoCheck?.notes.map((n) => [n.kind, n.subject])).toEqual([
      ['validation_default', 'npm run build'],
      ['validation_default', 'npm run test'],
    ]);
  });

  it("runs a workspace package's checks with the package manager's folder flag when the scope is all in it", () => {
    const base = scan();
    const view = repoViewFromScan(
      scan({
        files: [...base.files!, { path: 'packages/web/package.json', hash: HASH }],
        fileCount: 6,
        toolchains: [
          ...base.toolchains,
          {
            name: 'node',
            tool: 'pnpm',
            directory: 'packages/web',
            manifestPath: 'packages/web/package.json',
            testCommand: ['pnpm', 'run', 'test'],
          },
        ],
      }),
    );
    expect(checkOne({ scopePaths: ['packages/web/src/app.ts'] }, view).validationCommands).toEqual([
      ['pnpm', '--dir', 'packages/web', 'run', 'test'],
    ]);
    // A scope across packages: the root's checks.
    expect(checkOne({ scopePaths: ['packages/web/x.ts', 'src/y.ts'] }, view).validationCommands).toEqual([
      ['npm', 'run', 'build'],
      ['npm', 'run', 'test'],
    ]);
  });

  it('keeps the commands a blueprint gives and flags those the repository cannot run', () => {
    const checked = checkOne({
      validationCommands: [
        ['npm', 'test'],
        ['npm', 'run', 'typecheck'],
        ['pytest', '-q'],
        ['make', 'check'],
        ['cargo', 'test'],
      ],
    });
    expect(checked.validationCommands).toHaveLength(5);
    expect(checked.repoCheck?.notes.map((n) => [n.kind, n.subject])).toEqual([
      ['validation_unrunnable', 'npm run typecheck'],
      ['validation_unrunnable', 'pytest -q'],
      ['validation_unrunnable', 'make check'],
      ['validation_unrunnable', 'cargo test'],
    ]);
    const [script, python] = checked.repoCheck!.notes;
    expect(script!.reason).toContain('no "typecheck" script');
    expect(python!.reason).toContain('no python toolchain (found: node in .)');
  });

  it('leaves checkpoint tasks alone and notes nothing when all is in order', () => {
    const gate = task({ id: 'gate-1', gate: true });
    const fine = task({ scopePaths: ['src/index.ts'], validationCommands: [['npm', 'test']] });
    const [g, f] = checkTasksAgainstRepo([gate, fine], repoViewFromScan(scan()));
    expect(g).toBe(gate);
    expect(f!.repoCheck).toEqual({ commit: COMMIT, notes: [] });
    expect(rulesFieldsOf(fine, f!)).toBeUndefined();
  });

  it("checks again from the rules' fields: a later scan with the folder restores the dropped path", () => {
    const rules = task({ scopePaths: ['lib/cache/impl', 'src/a.ts'] });
    const first = checkOne(rules);
    expect(first.scopePaths).toEqual(['src/a.ts']);
    const kept = rulesFieldsOf(rules, first);
    expect(kept?.scopePaths).toEqual(['lib/cache/impl', 'src/a.ts']);

    const base = scan();
    const later = repoViewFromScan(
      scan({
        files: [...base.files!, { path: 'lib/old.ts', hash: HASH }],
        fileCount: 6,
        topLevelPaths: [...base.topLevelPaths, 'lib/'],
      }),
    );
    const again = checkTasksAgainstRepo([asRulesMadeIt(first, kept)], later)[0]!;
    expect(again.scopePaths).toEqual(['lib/cache/impl', 'src/a.ts']);
    expect(again.repoCheck?.notes.filter((n) => n.kind.startsWith('scope'))).toEqual([]);
  });

  it("keeps the check of a task announced checked while the rules' fields stay; checks it again when they change", () => {
    const rules = task({ scopePaths: ['lib/cache/impl', 'src/a.ts'] });
    const first = checkOne(rules);
    const announced = new Map([[first.id, { task: first, rules: rulesFieldsOf(rules, first) }]]);
    const base = scan();
    const later = repoViewFromScan(
      scan({
        commit: 'c'.repeat(40),
        files: [...base.files!, { path: 'lib/cache/old.ts', hash: HASH }],
        fileCount: 6,
        topLevelPaths: [...base.topLevelPaths, 'lib/'],
      }),
    );
    // Unchanged rules: the earlier check stands, though the later scan would keep the path.
    expect(
      checkTasksAgainstRepo([{ ...rules, title: 'Add the cache, renamed' }], later, announced)[0],
    ).toEqual({
      ...first,
      title: 'Add the cache, renamed',
    });
    // Changed rules: checked against the later scan.
    const changed = task({ scopePaths: ['lib/cache/impl', 'src/b.ts'] });
    const again = checkTasksAgainstRepo([changed], later, announced)[0]!;
    expect(again.scopePaths).toEqual(['lib/cache/impl', 'src/b.ts']);
    expect(again.repoCheck?.commit).toBe('c'.repeat(40));
    // A task announced unchecked (planned before any scan) is checked.
    const unchecked = new Map([[rules.id, { task: rules }]]);
    expect(checkTasksAgainstRepo([rules], later, unchecked)[0]!.repoCheck?.commit).toBe('c'.repeat(40));
  });
});
