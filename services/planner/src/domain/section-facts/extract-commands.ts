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
