import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eventually } from '@autopilot/testing';

export const repoRoot = resolve(__dirname, '..', '..');
/** The bin itself, never `npx`: npx does not pass SIGTERM on (PLATFORM.md). */
export const bin = join(repoRoot, 'packages', 'cli', 'bin', 'autopilot.js');

/** A JSON log line as the CLI writes it. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

/** The environment a spawned CLI sees: ours minus every setting it reads, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (
      /^(NATS_URL|NATS_USER|NATS_PASSWORD|NATS_TOKEN|NATS_NKEY_|NATS_CREDS_|NATS_TLS_|MONGO_URL|PORT|LOG_LEVEL|OTEL_|AUTOPILOT_|OPENAI_)/.test(
        key,
      )
    )
      delete env[key];
  }
  return { ...env, ...extra };
}

/** Runs the CLI to completion (usage errors, --help). */
export function runToExit(
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: cliEnv(env),
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A running CLI process with its stdout parsed into log lines. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [bin, ...args], {
      env: cliEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      partial += chunk.toString();
      const complete = partial.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) this.lines.push(JSON.parse(line) as LogLine);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Waits for a log line whose message matches; fails with everything logged so far. */
  async waitFor(msg: RegExp, timeoutMs = 15_000): Promise<LogLine> {
    return eventually(
      () => {
        const line = this.lines.find((l) => msg.test(String(l.msg)));
        if (!line) throw new Error(`no log line matching ${msg} yet:\n${this.stdout}\n${this.stderr}`);
        return line;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  /** The HTTP port from the "HTTP listening" line. */
  async port(): Promise<number> {
    return Number((await this.waitFor(/^HTTP listening on /)).port);
  }

  /** Ends the process if a test left it running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export async function getJson(
  port: number,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds with `tsc -b` when the CLI's dist is missing or older than any source it runs. */
export function ensureBuilt(): void {
  const main = join(repoRoot, 'packages', 'cli', 'dist', 'main.js');
  let built = 0;
  try {
    built = statSync(main).mtimeMs;
  } catch {
    // not built yet
  }
  const sources = ['packages', 'services', 'contracts'].map((d) => newestMtime(join(repoRoot, d)));
  if (built > 0 && built >= Math.max(...sources)) return;
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-b'], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`tsc -b failed:\n${r.stdout}\n${r.stderr}`);
}
