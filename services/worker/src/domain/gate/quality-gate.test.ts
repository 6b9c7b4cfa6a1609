import { globToRegExp, matchesAny } from './path-glob';
import {
  conflictMarkerPaths,
  decideGate,
  gateChecks,
  describeVerdict,
  reportedConfidence,
  type GateFacts,
} from './quality-gate';
import { testResultsOf } from './test-results';

const passingTests = {
  argv: ['npm', 'test'],
  exitCode: 0,
  timedOut: false,
  afterLastEdit: true,
  outputTail: 'Tests: 4 passed, 4 total',
};

function facts(overrides: Partial<GateFacts> = {}): GateFacts {
  return {
    task: {
      scopePaths: ['src/**', 'docs/guide.md'],
      validationCommands: [['npm', 'test']],
      acceptanceCriteria: ['`npm test` passes', 'the tests cover negative numbers', 'the API feels friendly'],
    },
    protectedPaths: ['.github/workflows/**', '**/.env'],
    changedFiles: [{ path: 'src/sum.ts', insertions: 1, deletions: 1 }],
    patch: '--- a/src/sum.ts\n+++ b/src/sum.ts\n@@ -1 +1 @@\n-a - b\n+a + b\n',
    commands: [passingTests],
    limits: { maxFilesChanged: 10, maxChangedLines: 100 },
    ...overrides,
  };
}

describe('path globs', () => {
  it('matches ** across directories, * and ? within one, {a,b} alternatives, and bare directories', () => {
    expect(matchesAny('src/a/b/c.ts', ['src/**'])).toBe(true);
    expect(matchesAny('src/c.ts', ['src/**/*.ts'])).toBe(true);
    expect(matchesAny('lib/c.ts', ['src/**'])).toBe(false);
    expect(matchesAny('src/a/c.ts', ['src/*.ts'])).toBe(false);
    expect(matchesAny('a/.env', ['**/.env'])).toBe(true);
    expect(matchesAny('.env', ['**/.env'])).toBe(true);
    expect(matchesAny('src/x.tsx', ['src/x.{ts,tsx}'])).toBe(true);
    expect(matchesAny('src/lib/deep/x.ts', ['src/lib'])).toBe(true);
    expect(matchesAny('src/library.ts', ['src/lib'])).toBe(false);
    expect(matchesAny('./src/a1.ts', ['src/a?.ts'])).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});

describe('decideGate', () => {
  it('passes a change in scope with its tests run after the last edit; lists each criterion with its evidence', () => {
    const v = decideGate(facts());
    expect(v.passed).toBe(true);
    expect(v.reasons).toEqual([]);
    expect(v.criteria).toEqual([
      { criterion: '`npm test` passes', checkedBy: ['npm', 'test'] },
      { criterion: 'the tests cover negative numbers', checkedBy: ['npm', 'test'] },
      { criterion: 'the API feels friendly', checkedBy: undefined },
    ]);
    expect(describeVerdict(v)).toBe(
      'gate passed\n- `npm test` passes: checked by `npm test`\n- the tests cover negative numbers: checked by `npm test`\n- the API feels friendly: not machine-checked',
    );
  });

  it('fails on tests that failed, or ran before the last edit, or not at all', () => {
    const failed = decideGate(
      facts({ commands: [{ ...passingTests, exitCode: 1, outputTail: 'expected 3' }] }),
    );
    expect(failed.reasons).toEqual([
      { code: 'VALIDATION_FAILED', message: '`npm test` exited 1: expected 3', argv: ['npm', 'test'] },
    ]);
    expect(
      decideGate(facts({ commands: [{ ...passingTests, afterLastEdit: false }] })).reasons[0]?.code,
    ).toBe('VALIDATION_NOT_RUN');
    expect(decideGate(facts({ commands: [] })).reasons[0]?.code).toBe('VALIDATION_NOT_RUN');
    expect(
      decideGate(facts({ commands: [{ ...passingTests, timedOut: true, exitCode: null }] })).reasons[0]
        ?.message,
    ).toContain('timed out');
    // A failing criterion check never passes for evidence.
    expect(failed.criteria[0]?.checkedBy).toBeUndefined();
  });

  it('fails on changes outside the scope, on protected paths, past the size limits, with conflict markers, or none at all', () => {
    const v = decideGate(
      facts({
        changedFiles: [
          { path: 'src/sum.ts', insertions: 60, deletions: 1 },
          { path: 'scripts/x.sh', insertions: 50, deletions: 0 },
          { path: '.github/workflows/ci.yml', insertions: 1, deletions: 1 },
        ],
        patch: '--- a/src/sum.ts\n+++ b/src/sum.ts\n+<<<<<<< HEAD\n+a\n+=======\n+b\n+>>>>>>> theirs\n',
      }),
    );
    expect(v.passed).toBe(false);
    expect(v.reasons.map((r) => [r.code, r.paths])).toEqual([
      ['OUT_OF_SCOPE', ['scripts/x.sh', '.github/workflows/ci.yml']],
      ['PROTECTED_PATH', ['.github/workflows/ci.yml']],
      ['TOO_LARGE', undefined],
      ['CONFLICT_MARKERS', ['src/sum.ts']],
    ]);
    expect(decideGate(facts({ changedFiles: [], patch: '' })).reasons.map((r) => r.code)).toEqual([
      'NO_CHANGES',
    ]);
    // A protected path a person approved writing is not held against the run.
    expect(
      decideGate(
        facts({
          task: { scopePaths: ['.github/**'], validationCommands: [] },
          changedFiles: [{ path: '.github/workflows/ci.yml', insertions: 3, deletions: 0 }],
          approvedPaths: ['.github/workflows/ci.yml'],
        }),
      ).reasons.map((r) => r.code),
    ).not.toContain('PROTECTED_PATH');
    // No scope listed: no scope limit.
    expect(
      decideGate(
        facts({
          task: { scopePaths: [], validationCommands: [] },
          changedFiles: [{ path: 'x/y', insertions: 1, deletions: 0 }],
        }),
      ).passed,
    ).toBe(true);
  });

  it('finds conflict markers only in added lines, and a lone ======= only after an opening marker', () => {
    expect(conflictMarkerPaths('+++ b/a.md\n+Title\n+=======\n')).toEqual([]);
    expect(conflictMarkerPaths('+++ b/a.ts\n-<<<<<<< old\n')).toEqual([]);
    expect(conflictMarkerPaths('+++ b/a.ts\n+>>>>>>> branch\n+++ b/b.ts\n+ok\n')).toEqual(['a.ts']);
  });

  it('weighs the reported confidence by the share of criteria checked', () => {
    expect(reportedConfidence(0.9, [])).toBe(0.9);
    expect(reportedConfidence(1, [{ criterion: 'a', checkedBy: undefined }])).toBe(0.5);
    expect(reportedConfidence(2, [{ criterion: 'a', checkedBy: ['t'] }])).toBe(1);
  });
});

describe('testResultsOf', () => {
  it('reads the counts common runners print, and counts a silent command as one test', () => {
    expect(
      testResultsOf([
        { argv: ['jest'], exitCode: 1, output: 'Tests:       1 failed, 2 skipped, 4 passed, 7 total' },
      ]),
    ).toEqual({
      passed: 4,
      failed: 1,
      skipped: 2,
    });
    expect(
      testResultsOf([{ argv: ['pytest'], exitCode: 1, output: '===== 2 failed, 10 passed in 0.12s =====' }]),
    ).toEqual({
      passed: 10,
      failed: 2,
    });
    expect(testResultsOf([{ argv: ['node', '--test'], exitCode: 0, output: '# pass 5\n# fail 0' }])).toEqual({
      passed: 5,
      failed: 0,
    });
    expect(testResultsOf([{ argv: ['mocha'], exitCode: 0, output: '  7 passing (20ms)' }])).toEqual({
      passed: 7,
      failed: 0,
    });
    expect(
      testResultsOf([
        { argv: ['make', 'check'], exitCode: 0, output: 'ok' },
        { argv: ['tsc'], exitCode: 2, output: 'error TS1005' },
      ]),
    ).toEqual({ passed: 1, failed: 1 });
  });
});

describe('gateChecks', () => {
  it('names every check with its outcome, a failed one with what it found, as run.finished carries them', () => {
    const checks = gateChecks({
      passed: false,
      reasons: [
        { code: 'PROTECTED_PATH', message: 'changed protected paths: .github/workflows/ci.yml' },
        { code: 'VALIDATION_FAILED', message: '`npm test` exited 1' },
      ],
      criteria: [],
    });
    expect(checks).toEqual([
      { name: 'changes', passed: true },
      { name: 'tests', passed: false, detail: '`npm test` exited 1' },
      { name: 'scope', passed: true },
      { name: 'protected_paths', passed: false, detail: 'changed protected paths: .github/workflows/ci.yml' },
      { name: 'diff_size', passed: true },
      { name: 'conflict_markers', passed: true },
    ]);
  });
});
