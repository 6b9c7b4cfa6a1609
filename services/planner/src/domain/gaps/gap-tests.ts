import {
  isTestFile,
  lineOf,
  MAX_EVIDENCE,
  packageManifests,
  pathEvidence,
  TEST_DIR_NAMES,
  type GapFinding,
  type RepoIndex,
} from './gap-repo-index';

/**
 * Missing tests: source directories with no test file, a repository with no test at all, and
 * toolchains without a test command. Autopilot proves its work with the project's tests, so a
 * repository with none, or a root toolchain that cannot run them, blocks it. Rust is left out of
 * the per-directory check: its unit tests live inside the source files, invisible to a path scan.
 */

const SOURCE_EXTENSIONS = /\.(ts|tsx|js|jsx|mjs|cjs|py|go|java|kt|rb|php|cs|swift|scala|ex|exs)$/;
/** Directories that hold several units: `packages/a` is a unit, not `packages`. */
const CONTAINERS = new Set(['packages', 'services', 'apps', 'libs', 'modules', 'plugins', 'crates', 'cmd']);
/** Units that are not product code and need no tests of their own. */
const NOT_SOURCE = new Set([
  ...TEST_DIR_NAMES,
  'docs',
  'doc',
  'examples',
  'example',
  'scripts',
  'script',
  'tools',
  'bench',
  'benchmarks',
  'fixtures',
  'vendor',
  'third_party',
  'node_modules',
  'dist',
  'build',
  'target',
  'out',
  'coverage',
  'migrations',
  'deploy',
  'infra',
  'config',
]);
/** npm init's placeholder test script, which fails by design. */
const PLACEHOLDER_TEST = /no test specified/;

export interface TestGapOptions {
  /** Report that tests were not run (the scanner never runs commands). */
  readonly reportTestsNotRun?: boolean;
}

export function testGaps(index: RepoIndex, options: TestGapOptions = {}): GapFinding[] {
  const gaps: GapFinding[] = [];
  const units = new Map<string, { sources: number; tests: number }>();
  let sourceFiles = 0;
  let testFiles = 0;
  for (const file of index.files) {
    const test = isTestFile(file.path);
    if (test) testFiles++;
    if (!SOURCE_EXTENSIONS.test(file.path) || file.path.includes('node_modules/')) continue;
    if (!test) sourceFiles++;
    const unit = unitOf(file.path);
    if (unit === undefined) continue;
    const counts = units.get(unit) ?? { sources: 0, tests: 0 };
    if (test) counts.tests++;
    else counts.sources++;
    units.set(unit, counts);
  }
  const rootTestDir = [...TEST_DIR_NAMES].find((name) => index.dirs.has(name));

  if (sourceFiles > 0 && testFiles === 0) {
    gaps.push({
      kind: 'missing_tests',
      key: 'repository',
      title: 'The repository has no tests',
      detail: `${sourceFiles} source file(s) and not one test file: nothing can prove a change works.`,
      evidence: [pathEvidence('.', undefined, `${sourceFiles} source files, 0 test files`)],
      risk: 'high',
      blocking: true,
    });
  } else {
    for (const [unit, counts] of [...units].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (counts.sources === 0 || counts.tests > 0) continue;
      // A top-level test directory is taken to cover top-level source directories.
      if (!unit.includes('/') && rootTestDir !== undefined) continue;
      gaps.push({
        kind: 'missing_tests',
        key: `dir:${unit}`,
        title: `${unit}/ has source files but no tests`,
        detail: `${counts.sources} source file(s) under ${unit}/ and no test file there.`,
        evidence: [pathEvidence(`${unit}/`, undefined, `${counts.sources} source files, 0 test files`)],
        risk: 'medium',
        blocking: false,
      });
    }
  }

  gaps.push(...testCommandGaps(index, options));
  return gaps;
}

/** The unit a source file belongs to: its top-level directory, or `container/name`; none at the root. */
function unitOf(path: string): string | undefined {
  const segments = path.split('/');
  if (segments.length < 2) return undefined;
  const first = segments[0]!;
  if (first.startsWith('.') || NOT_SOURCE.has(first)) return undefined;
  if (CONTAINERS.has(first)) {
    if (segments.length < 3) return undefined;
    return NOT_SOURCE.has(segments[1]!) ? undefined : `${first}/${segments[1]}`;
  }
  return first;
}

function testCommandGaps(index: RepoIndex, options: TestGapOptions): GapFinding[] {
  const gaps: GapFinding[] = [];
  const withTests: Array<{ manifestPath: string; command: string }> = [];
  const toolchains = index.snapshot.toolchains;
  if (toolchains !== undefined) {
    for (const t of [...toolchains].sort((a, b) => (a.manifestPath < b.manifestPath ? -1 : 1))) {
      if (t.testCommand !== undefined && t.testCommand.length > 0) {
        withTests.push({ manifestPath: t.manifestPath, command: t.testCommand.join(' ') });
        continue;
      }
      const root = !t.manifestPath.includes('/');
      gaps.push({
        kind: 'missing_test_command',
        key: t.manifestPath,
        title: `The ${t.name} toolchain in ${t.manifestPath} has no test command`,
        detail: `No test command was found for ${t.manifestPath}; autopilot validates work by running it.`,
        evidence: [pathEvidence(t.manifestPath)],
        risk: root ? 'high' : 'medium',
        blocking: root,
      });
    }
  } else {
    for (const manifest of packageManifests(index)) {
      const test = manifest.scripts.test;
      if (test !== undefined && !PLACEHOLDER_TEST.test(test)) {
        withTests.push({ manifestPath: manifest.path, command: `npm test (${test})` });
        continue;
      }
      const root = manifest.path === 'package.json';
      gaps.push({
        kind: 'missing_test_command',
        key: manifest.path,
        title: `${manifest.path} has no working test script`,
        detail:
          test === undefined
            ? `${manifest.path} defines no "test" script; autopilot validates work by running it.`
            : `${manifest.path} keeps npm's placeholder test script, which always fails.`,
        evidence: [
          pathEvidence(
            manifest.path,
            lineOf(manifest.content, '"test"') ?? lineOf(manifest.content, '"scripts"'),
            test === undefined ? undefined : `"test": ${JSON.stringify(test)}`,
          ),
        ],
        risk: root ? 'high' : 'medium',
        blocking: root,
      });
    }
  }

  if (options.reportTestsNotRun && withTests.length > 0) {
    gaps.push({
      kind: 'tests_not_run',
      key: 'tests-not-run',
      title: 'Tests were not run by the scan',
      detail: 'The gap scanner is read-only and runs no command, so whether the tests pass is unknown.',
      evidence: withTests
        .slice(0, MAX_EVIDENCE)
        .map((t) => pathEvidence(t.manifestPath, undefined, t.command)),
      risk: 'low',
      blocking: false,
    });
  }
  return gaps;
}
