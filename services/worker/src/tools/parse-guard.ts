import { spawn } from 'node:child_process';
import type * as TypeScript from 'typescript';

/** A file's language as far as the parse guard knows it. */
export type ParsedLanguage = 'typescript' | 'json' | 'python';

/** The parse of one text: fine, a syntax error with its place, or a parser that cannot run here. */
export type ParseOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'error'; readonly line: number; readonly column: number; readonly message: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** The guard's verdict on one edit: refused (nothing may be written) or allowed, maybe with a note. */
export type ParseVerdict =
  { readonly allowed: true; readonly note?: string } | { readonly allowed: false; readonly reason: string };

export interface ParseGuardOptions {
  /** The Python interpreter to parse with; default `python3` on PATH. */
  readonly python3Command?: string;
  /** A Python parse taking longer than this is treated as a parser that cannot run. Default 10 s. */
  readonly pythonTimeoutMs?: number;
}

const EXTENSION = /\.([A-Za-z0-9]+)$/;
const TS_KIND: Record<string, 'TS' | 'TSX' | 'JS' | 'JSX'> = {
  ts: 'TS',
  mts: 'TS',
  cts: 'TS',
  tsx: 'TSX',
  js: 'JS',
  mjs: 'JS',
  cjs: 'JS',
  jsx: 'JSX',
};

/** The language the guard checks `path` as, or undefined for files it does not parse. */
export function languageOf(path: string): ParsedLanguage | undefined {
  const ext = EXTENSION.exec(path)?.[1]?.toLowerCase();
  if (ext === undefined) return undefined;
  if (ext in TS_KIND) return 'typescript';
  if (ext === 'json') return 'json';
  if (ext === 'py' || ext === 'pyi') return 'python';
  return undefined;
}

// Reads the source from stdin, so the text never becomes an argument or touches the disk.
const PYTHON_PARSE = `
import ast, sys
source = sys.stdin.buffer.read()
try:
    ast.parse(source, sys.argv[1])
except SyntaxError as e:
    sys.stdout.write("%s\\t%s\\t%s" % (e.lineno or 0, e.offset or 0, e.msg))
    sys.exit(3)
`;

let typescript: Promise<typeof TypeScript> | undefined;
// Loaded on first use: the compiler is large, and a run that edits no TS/JS never needs it.
const loadTypeScript = (): Promise<typeof TypeScript> => (typescript ??= import('typescript'));

/**
 * Keeps files parseable (issue 15): an edit that makes a file that parsed before fail to parse is
 * refused with the parser's message and line. TS/JS/TSX/JSX through the TypeScript parser (its
 * parse diagnostics only: types are the build's business), JSON with JSON.parse, Python with
 * `python3`'s ast.parse where python3 exists (where it does not, the edit is allowed with a note).
 * A new file must parse; an existing file that did not parse before may be edited freely.
 */
export class ParseGuard {
  private python: Promise<boolean> | undefined;

  constructor(private readonly options: ParseGuardOptions = {}) {}

  /** The verdict on replacing `before` (null: a new file) with `after` at `path`. */
  async check(path: string, before: string | null, after: string): Promise<ParseVerdict> {
    const language = languageOf(path);
    if (language === undefined) return { allowed: true };
    const outcome = await this.parse(language, path, after);
    if (outcome.kind === 'ok') return { allowed: true };
    if (outcome.kind === 'unavailable') {
      return { allowed: true, note: `the syntax of ${path} was not checked: ${outcome.reason}` };
    }
    const where = `${path}:${outcome.line}:${outcome.column}`;
    if (before !== null && (await this.parse(language, path, before)).kind === 'error') {
      return {
        allowed: true,
        note: `${where}: ${outcome.message} (the file did not parse before this edit either)`,
      };
    }
    const what =
      before === null
        ? 'the new file would not parse'
        : 'the edit would make a file that parses fail to parse';
    return { allowed: false, reason: `${what}: ${where}: ${outcome.message}; nothing was written` };
  }

  /** Parses `text` as `language`. Never throws. */
  async parse(language: ParsedLanguage, path: string, text: string): Promise<ParseOutcome> {
    switch (language) {
      case 'typescript':
        return parseTypeScript(await loadTypeScript(), path, text);
      case 'json':
        return parseJson(text, () => loadTypeScript());
      case 'python':
        return this.parsePython(path, text);
      default: {
        const never: never = language;
        return { kind: 'unavailable', reason: `no parser for ${String(never)}` };
      }
    }
  }

  private async parsePython(path: string, text: string): Promise<ParseOutcome> {
    this.python ??= this.runPython('', '').then((r) => r.status !== 'missing');
    if (!(await this.python)) {
      return { kind: 'unavailable', reason: `${this.pythonCommand} is not available on this worker` };
    }
    const result = await this.runPython(path, text);
    if (result.status === 'ok') return { kind: 'ok' };
    if (result.status === 'syntax') {
      const [line = '0', column = '0', ...message] = result.stdout.split('\t');
      return { kind: 'error', line: Number(line), column: Number(column), message: message.join('\t') };
    }
    return { kind: 'unavailable', reason: `${this.pythonCommand} failed: ${result.stdout.slice(0, 300)}` };
  }

  private get pythonCommand(): string {
    return this.options.python3Command ?? 'python3';
  }

  private runPython(
    path: string,
    text: string,
  ): Promise<{ status: 'ok' | 'syntax' | 'missing' | 'failed'; stdout: string }> {
    return new Promise((resolve) => {
      // An empty environment: the parser needs nothing from ours, and our secrets stay ours.
      const child = spawn(this.pythonCommand, ['-I', '-c', PYTHON_PARSE, path || '<probe>'], {
        env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let settled = false;
      const finish = (outcome: { status: 'ok' | 'syntax' | 'missing' | 'failed'; stdout: string }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      // Our own timer rather than spawn's `timeout`, whose timer outlives a child that never started.
      const timeoutMs = this.options.pythonTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish({ status: 'failed', stdout: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.stdin.on('error', () => undefined); // python gone before reading: reported by 'close'
      child.on('error', (e: NodeJS.ErrnoException) =>
        finish({ status: e.code === 'ENOENT' ? 'missing' : 'failed', stdout: e.message }),
      );
      child.on('close', (code) => {
        const stdout = Buffer.concat(out).toString('utf8');
        if (code === 0) finish({ status: 'ok', stdout });
        else if (code === 3) finish({ status: 'syntax', stdout });
        else
          finish({
            status: 'failed',
            stdout: stdout || Buffer.concat(err).toString('utf8') || `exit ${code}`,
          });
      });
      child.stdin.end(text);
    });
  }
}

function parseTypeScript(ts: typeof TypeScript, path: string, text: string): ParseOutcome {
  const ext = EXTENSION.exec(path)?.[1]?.toLowerCase() ?? 'ts';
  const kind = ts.ScriptKind[TS_KIND[ext] ?? 'TS'];
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, kind);
  // parseDiagnostics is what the parser itself reported (syntax only), set on every source file it
  // creates; the public getSyntacticDiagnostics would need a whole Program for one file.
  const diagnostics = (file as unknown as { parseDiagnostics?: readonly TypeScript.Diagnostic[] })
    .parseDiagnostics;
  const first = diagnostics?.[0];
  if (!first) return { kind: 'ok' };
  const at = file.getLineAndCharacterOfPosition(first.start ?? 0);
  return {
    kind: 'error',
    line: at.line + 1,
    column: at.character + 1,
    message: ts.flattenDiagnosticMessageText(first.messageText, ' '),
  };
}

const lineAndColumn = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
};

/**
 * JSON.parse decides; its message is the one the model gets. V8 gives a position for some errors
 * only ("Unexpected token '}', ... is not valid JSON" has none), so TypeScript's JSON scanner
 * places the others.
 */
async function parseJson(text: string, typescript: () => Promise<typeof TypeScript>): Promise<ParseOutcome> {
  try {
    JSON.parse(text);
    return { kind: 'ok' };
  } catch (err) {
    const message = (err as Error).message.replace(/ \(line \d+ column \d+\)$/, '');
    const position = /at position (\d+)/.exec(message);
    let offset = position ? Number(position[1]) : undefined;
    if (offset === undefined) {
      const file = (await typescript()).parseJsonText('file.json', text);
      const first = (file as unknown as { parseDiagnostics?: readonly TypeScript.Diagnostic[] })
        .parseDiagnostics?.[0];
      offset = first?.start ?? (/end of JSON input/.test(message) ? text.length : 0);
    }
    return { kind: 'error', ...lineAndColumn(text, offset), message };
  }
}
