import type { RepoCheckIndex, RepoCheckNote } from './repo-check-index';
import type { RepoViewToolchain } from './repo-view';
import { clip } from './scope-check';

/** The validation of a task checked against the repository, and what the check says about it. */
export interface ValidationCheck {
  readonly commands: readonly (readonly string[])[];
  readonly notes: readonly RepoCheckNote[];
}

/** Which toolchain a program belongs to: a command of a toolchain the repository lacks cannot run. */
const TOOLCHAIN_OF: Readonly<Record<string, string>> = {
  npm: 'node',
  npx: 'node',
  pnpm: 'node',
  yarn: 'node',
  bun: 'node',
  node: 'node',
  pytest: 'python',
  tox: 'python',
  mypy: 'python',
  pyright: 'python',
  flake8: 'python',
  ruff: 'python',
  black: 'python',
  python: 'python',
  python3: 'python',
  uv: 'python',
  poetry: 'python',
  pipenv: 'python',
  go: 'go',
  cargo: 'rust',
  mvn: 'java',
  './mvnw': 'java',
  gradle: 'java',
  './gradlew': 'java',
};

/** Package-manager subcommands that are not scripts (`pnpm exec`, `yarn dlx`...). */
const NOT_A_SCRIPT = new Set(['exec', 'dlx', 'x', 'install', 'i', 'ci', 'add', 'remove', 'why', 'audit']);

/** How a package manager runs a script of a package.json in another folder, from the root. */
const IN_FOLDER: Readonly<Record<string, string>> = {
  npm: '--prefix',
  pnpm: '--dir',
  yarn: '--cwd',
  bun: '--cwd',
};

/**
 * With a repository (issue 17 item 3): a task whose blueprint gives no check gets the detected
 * toolchain's own build, test and lint commands; commands the blueprint gives stay as written, and
 * each one the repository cannot run as it stands (no such toolchain, no such npm script) gets a
 * note, since a check that cannot pass fails every run of the task. `scope` (already checked) picks
 * the toolchain of a workspace folder when all of the task's paths are in it.
 */
export function checkValidation(
  commands: readonly (readonly string[])[],
  scope: readonly string[],
  index: RepoCheckIndex,
): ValidationCheck {
  if (commands.length === 0) return defaultValidation(scope, index);
  const notes: RepoCheckNote[] = [];
  for (const argv of commands) {
    const why = whyUnrunnable(argv, index);
    if (why !== undefined)
      notes.push({ kind: 'validation_unrunnable', subject: argv.join(' '), reason: why });
  }
  return { commands, notes };
}

function defaultValidation(scope: readonly string[], index: RepoCheckIndex): ValidationCheck {
  const chosen = toolchainsFor(scope, index.view.toolchains);
  const commands: string[][] = [];
  const notes: RepoCheckNote[] = [];
  const seen = new Set<string>();
  for (const toolchain of chosen) {
    for (const [what, argv] of [
      ['build', toolchain.buildCommand],
      ['test', toolchain.testCommand],
      ['lint', toolchain.lintCommand],
    ] as const) {
      if (argv === undefined || argv.length === 0) continue;
      const fromRoot = fromRepositoryRoot(toolchain, argv);
      if (fromRoot === undefined) continue;
      const key = JSON.stringify(fromRoot);
      if (seen.has(key)) continue;
      seen.add(key);
      commands.push(fromRoot);
      notes.push({
        kind: 'validation_default',
        subject: fromRoot.join(' '),
        reason: clip(
          `the blueprint gives no check for this task: the ${toolchain.name} toolchain's ${what} command ` +
            `(${toolchain.manifestPath}, scanned at ${index.at})`,
        ),
      });
    }
  }
  return { commands: commands.slice(0, 50), notes };
}

/**
 * The toolchains whose checks validate a task: the deepest one whose folder holds every scope path
 * (a workspace package), else those at the root.
 */
function toolchainsFor(
  scope: readonly string[],
  toolchains: readonly RepoViewToolchain[],
): readonly RepoViewToolchain[] {
  const withChecks = toolchains.filter((t) => t.buildCommand || t.testCommand || t.lintCommand);
  if (scope.length > 0) {
    const holding = withChecks
      .filter((t) => t.directory !== '.' && scope.every((p) => p.startsWith(`${t.directory}/`)))
      .sort((a, b) => b.directory.length - a.directory.length);
    if (holding[0] !== undefined && IN_FOLDER[holding[0].tool ?? ''] !== undefined) return [holding[0]];
  }
  return withChecks.filter((t) => t.directory === '.');
}

/**
 * A toolchain's command as the worker runs it, from the repository root: as is at the root, with
 * the package manager's folder flag in a workspace folder; undefined when it cannot be moved.
 */
function fromRepositoryRoot(toolchain: RepoViewToolchain, argv: readonly string[]): string[] | undefined {
  if (toolchain.directory === '.') return [...argv];
  const flag = IN_FOLDER[argv[0] ?? ''];
  return flag === undefined ? undefined : [argv[0]!, flag, toolchain.directory, ...argv.slice(1)];
}

/** Why a command cannot run in this repository as it stands, or undefined when nothing says so. */
function whyUnrunnable(argv: readonly string[], index: RepoCheckIndex): string | undefined {
  const [program = '', first = '', second = ''] = argv;
  if (program === 'make') {
    const makefile = ['Makefile', 'makefile', 'GNUmakefile'].some((f) => index.rootFiles.has(f));
    return makefile ? undefined : `the repository at ${index.at} has no Makefile at its root`;
  }
  const toolchain = TOOLCHAIN_OF[program];
  if (toolchain === undefined) return undefined;
  const { toolchains } = index.view;
  if (!toolchains.some((t) => t.name === toolchain)) {
    const found = toolchains.map((t) => `${t.name} in ${t.directory}`).join(', ');
    return clip(
      `the repository at ${index.at} has no ${toolchain} toolchain (${found === '' ? 'none was detected' : `found: ${found}`}); ` +
        'unless this task adds one, this check cannot pass',
    );
  }
  const script = npmScriptOf(program, first, second);
  if (script === undefined) return undefined;
  const root = index.view.packageScripts.find((p) => p.dir === '.');
  if (root === undefined || root.scripts.includes(script)) return undefined;
  return clip(
    `the root package.json at ${index.at} has no "${script}" script; unless this task adds it, this check cannot pass`,
  );
}

/** The package.json script a package-manager command runs from the root, if it runs one. */
function npmScriptOf(program: string, first: string, second: string): string | undefined {
  if (!(program in IN_FOLDER) || first === '' || first.startsWith('-')) return undefined;
  if (first === 'test' || first === 't') return 'test';
  if (first === 'run' || first === 'run-script')
    return second === '' || second.startsWith('-') ? undefined : second;
  // npm runs only `test`, `start`... without `run`; pnpm, yarn and bun run any script by name.
  if (program === 'npm' || NOT_A_SCRIPT.has(first)) return undefined;
  return first;
}
