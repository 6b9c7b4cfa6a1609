/**
 * Commands a section asks to run, as argv: commands run without a shell (DESIGN.md section 6), so
 * a line that needs one (pipes, redirects, `$(...)`, background `&`) is left out rather than run
 * differently, and `a && b` becomes two commands run in order.
 */

/** Fence languages whose lines are commands. `console`-like ones mark commands with a `$ ` prompt. */
const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'zsh', 'fish', 'ksh']);
const PROMPT_LANGS = new Set(['console', 'shell-session', 'shellsession', 'terminal', 'term', 'session']);

/** Programs a backticked span may start with to count as a command (a mention of `npm` alone does not). */
const KNOWN_TOOLS = new Set([
  'npm',
  'npx',
  'pnpm',
  'yarn',
  'node',
  'bun',
  'deno',
  'tsc',
  'jest',
  'vitest',
  'eslint',
  'prettier',
  'playwright',
  'python',
  'python3',
  'pip',
  'pip3',
  'pytest',
  'uv',
  'poetry',
  'tox',
  'ruff',
  'mypy',
  'black',
  'go',
  'gofmt',
  'cargo',
  'rustc',
  'rustup',
  'mvn',
  './mvnw',
  'gradle',
  './gradlew',
  'java',
  'make',
  'cmake',
  'git',
  'docker',
  'docker-compose',
  'kubectl',
  'helm',
  'terraform',
  'dotnet',
  'bundle',
  'rake',
  'rspec',
  'ruby',
  'php',
  'composer',
  'autopilot',
  'bash',
  'sh',
]);
/** Tools that are a whole command on their own (`pytest`, `make`); others need an argument. */
const ALONE_OK = new Set([
  'pytest',
  'make',
  'tsc',
  'jest',
  'vitest',
  'tox',
  'ruff',
  'mypy',
  'cargo',
  'eslint',
]);
/** Shell built-ins and no-ops that mean nothing without a shell, or as a check. */
const NOT_COMMANDS = new Set([
  'cd',
  'export',
  'source',
  '.',
  'set',
  'unset',
  'alias',
  'echo',
  'sudo',
  'exit',
  'pushd',
  'popd',
]);

export function isShellFence(lang: string): boolean {
  return SHELL_LANGS.has(lang.toLowerCase());
}
export function isPromptFence(lang: string): boolean {
  return PROMPT_LANGS.has(lang.toLowerCase()) || lang === '';
}

/**
 * Splits a shell line into argv lists: `&&` and `;` separate commands; quotes group words. Returns
 * [] when the line needs a shell (pipes, redirects, substitution, background jobs) or is a built-in.
 */
export function commandsInLine(line: string): string[][] {
  const text = line.replace(/^\s*[$%]\s+/, '').trim();
  if (text === '' || text.startsWith('#')) return [];
  const commands: string[][] = [];
  let argv: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  const endWord = () => {
    if (inWord) argv.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (argv.length > 0) commands.push(argv);
    argv = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      endWord();
    } else if (ch === '#' && !inWord) {
      break; // a trailing comment
    } else if (ch === ';') {
      endCommand();
    } else if (ch === '&' && text[i + 1] === '&') {
      endCommand();
      i++;
    } else if ('|<>`&'.includes(ch) || (ch === '$' && text[i + 1] === '(')) {
      return []; // needs a shell
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) return [];
  endCommand();
  return commands.filter(
    (argv) => !NOT_COMMANDS.has(argv[0]!) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]!) && argv.length <= 256,
  );
}

/** A backticked span that is a command (`npm test`, `pytest -q`): a known tool plus arguments. */
export function commandInSpan(span: string): string[][] {
  const first = span.trim().split(/\s+/)[0] ?? '';
  if (!KNOWN_TOOLS.has(first)) return [];
  const commands = commandsInLine(span);
  const argv = commands[0];
  if (commands.length === 1 && argv && argv.length === 1 && !ALONE_OK.has(first)) return [];
  return commands;
}

const CHECK_SCRIPT =
  /(^|[:_-])(test|tests|lint|build|check|typecheck|type-check|types|tsc|verify|e2e|spec|ci|format:check|fmt:check|bench)([:_-]|$)/;
const NODE_CHECK_TOOLS = new Set([
  'tsc',
  'jest',
  'vitest',
  'eslint',
  'mocha',
  'ava',
  'tap',
  'playwright',
  'cypress',
  'biome',
  'k6',
  'prettier',
]);

/**
 * True when a command checks the work (tests, builds, lints, type checks) rather than installs,
 * fetches or runs something (issue 17 item 4): `npm test`, `npm run build`, `npx tsc --noEmit`,
 * `pytest`, `go test ./...`, `cargo clippy`, `make check`. A bare node tool (`jest`, `tsc`) is not
 * one: without `npx` or a project script it is not on the PATH of a worktree.
 */
export function isCheckCommand(argv: readonly string[]): boolean {
  const [program = '', first = '', second = ''] = argv;
  switch (program) {
    case 'npm':
    case 'pnpm':
    case 'yarn':
    case 'bun':
      if (first === 'test' || first === 't') return true;
      if (first === 'run' || first === 'run-script') return CHECK_SCRIPT.test(second);
      if (first === 'exec' || first === 'dlx' || first === 'x') return NODE_CHECK_TOOLS.has(second);
      return program !== 'npm' && CHECK_SCRIPT.test(first) && !/^(add|install|i|remove)$/.test(first);
    case 'npx':
      return NODE_CHECK_TOOLS.has(first === '--no-install' || first === '-y' ? second : first);
    case 'deno':
      return /^(test|lint|check|bench)$/.test(first) || (first === 'fmt' && argv.includes('--check'));
    case 'pytest':
    case 'tox':
    case 'mypy':
    case 'pyright':
    case 'flake8':
    case 'rspec':
      return true;
    case 'ruff':
      return first === 'check' || (first === 'format' && argv.includes('--check'));
    case 'black':
      return argv.includes('--check');
    case 'python':
    case 'python3':
      return first === '-m' && /^(pytest|unittest|mypy|compileall)$/.test(second);
    case 'uv':
    case 'poetry':
      return first === 'run' && /^(pytest|mypy|ruff|tox)$/.test(second);
    case 'go':
      return /^(test|build|vet)$/.test(first);
    case 'cargo':
      return /^(test|build|check|clippy|fmt|bench)$/.test(first);
    case 'make':
      return first === '' || CHECK_SCRIPT.test(first);
    case 'mvn':
    case './mvnw':
      return /^(test|verify|compile|package)$/.test(first);
    case 'gradle':
    case './gradlew':
      return /^(test|check|build)$/.test(first);
    case 'dotnet':
      return /^(test|build)$/.test(first);
    case 'bundle':
      return first === 'exec' && /^(rspec|rake)$/.test(second);
    case 'rake':
      return first === '' || first === 'test' || first === 'spec';
    case 'terraform':
      return first === 'validate';
    case 'helm':
      return first === 'lint';
    case 'bash':
    case 'sh':
      return /\b(test|check|lint|verify|build)\w*\.sh$/.test(first);
    default:
      return false;
  }
}
