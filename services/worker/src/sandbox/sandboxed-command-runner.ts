import { spawn } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, sep } from 'node:path';
import type { CommandIsolation, CommandRequest, CommandResult, CommandRunner } from './command-runner';
import { CommandRequestRefusedError } from './sandbox-errors';

export interface SandboxedCommandRunnerOptions {
  /** `auto` uses bubblewrap when a probe shows it runs here; `off` never does (isolation `none`). */
  readonly bwrap?: 'auto' | 'off';
  /** The bubblewrap program. Default `bwrap`, looked up on `path`. */
  readonly bwrapPath?: string;
  /** PATH for commands. Default: the directory of the running node, then the system directories. */
  readonly path?: string;
  /** LANG for commands. Default `C.UTF-8`. */
  readonly lang?: string;
  /** Bytes kept of stdout and of stderr each when a request names no cap. Default 1 MiB. */
  readonly outputCapBytes?: number;
  /**
   * Directories replaced by an empty one inside bubblewrap, because they hold credentials a
   * command could read and print (`~/.npmrc`, `~/.ssh`, `~/.gitconfig`). Default: the worker's home.
   * PATH entries inside them stay visible, read-only.
   */
  readonly hiddenDirs?: readonly string[];
}

/** What the runner can do here, decided once; a run's record carries it. */
export interface SandboxCapability {
  readonly isolation: CommandIsolation;
  /** Why there is no isolation (absent with bwrap). */
  readonly note?: string;
}

const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const DEFAULT_CAP = 1024 * 1024;
/** Variable names never passed to a command, whoever asks: they name secrets. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|COOKIE|PRIVATE/i;
/** Set by the runner itself; a request may not override them. */
const FIXED_NAMES = new Set(['PATH', 'HOME', 'LANG', 'TMPDIR', 'CI']);
const NO_ISOLATION =
  'commands run without isolation: network, file system and other processes are reachable; ' +
  'only argv, timeout, output cap and the scrubbed environment apply';

/**
 * CommandRunner for a run's commands: argv only (never a shell), a timeout that kills the whole
 * process group, a cap on each output stream, an environment built from nothing (PATH, a private
 * HOME, LANG, TMPDIR, CI, and the request's own non-secret variables), and bubblewrap where it runs:
 * the system read-only, the worktree writable, a private /tmp, the worker's home hidden, network off
 * unless the request allows it, and every process gone with the sandbox. Where bwrap cannot run the
 * result says `isolation: 'none'` and why.
 */
export class SandboxedCommandRunner implements CommandRunner {
  private capability: Promise<SandboxCapability> | undefined;
  private readonly path: string;

  constructor(private readonly options: SandboxedCommandRunnerOptions = {}) {
    this.path = options.path ?? [dirname(process.execPath), ...SYSTEM_PATH].join(delimiter);
  }

  /** Probes bubblewrap once (a `true` under the same flags commands get) and remembers the answer. */
  probe(): Promise<SandboxCapability> {
    this.capability ??= this.detect();
    return this.capability;
  }

  /**
   * Runs `request.argv` contained. Resolves for every exit, signal or timeout; rejects with
   * CommandRequestRefusedError (nothing started) for an empty argv, a cwd outside the worktree, or a
   * variable whose name looks like a secret.
   */
  async run(request: CommandRequest): Promise<CommandResult> {
    const program = request.argv[0];
    if (program === undefined || program === '') throw new CommandRequestRefusedError('', 'empty argv');
    const extra = this.checkedEnv(program, request.env ?? {});
    const worktree = await realpath(request.worktree).catch(() => {
      throw new CommandRequestRefusedError(program, `worktree ${request.worktree} does not exist`);
    });
    const cwd = await realpath(request.cwd).catch(() => {
      throw new CommandRequestRefusedError(program, `cwd ${request.cwd} does not exist`);
    });
    if (cwd !== worktree && !cwd.startsWith(worktree + sep)) {
      throw new CommandRequestRefusedError(
        program,
        `cwd ${request.cwd} is outside the worktree ${request.worktree}`,
      );
    }
    const capability = await this.probe();
    const cap = request.outputCapBytes ?? this.options.outputCapBytes ?? DEFAULT_CAP;
    if (capability.isolation === 'bwrap') {
      const env = {
        PATH: this.path,
        HOME: '/tmp/home',
        LANG: this.lang,
        TMPDIR: '/tmp',
        CI: 'true',
        ...extra,
      };
      const argv = [...this.bwrapArgs(worktree, cwd, request.network), '--', ...request.argv];
      return this.spawnContained(this.bwrapProgram, argv, cwd, env, request.timeoutMs, cap, capability);
    }
    const home = await mkdtemp(join(tmpdir(), 'ap-cmd-'));
    try {
      const env = { PATH: this.path, HOME: home, LANG: this.lang, TMPDIR: home, CI: 'true', ...extra };
      const [cmd, ...args] = request.argv as [string, ...string[]];
      return await this.spawnContained(cmd, args, cwd, env, request.timeoutMs, cap, capability).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT' && err.code !== 'EACCES') throw err;
          // As a shell would answer, so the model sees the same result with and without bwrap.
          return notStarted(program, err.code, capability);
        },
      );
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }

  private get lang(): string {
    return this.options.lang ?? 'C.UTF-8';
  }

  private get bwrapProgram(): string {
    return this.options.bwrapPath ?? 'bwrap';
  }

  private checkedEnv(program: string, env: Readonly<Record<string, string>>): Record<string, string> {
    for (const name of Object.keys(env)) {
      if (SECRET_NAME.test(name)) {
        throw new CommandRequestRefusedError(
          program,
          `variable ${name} looks like a secret: never passed to commands`,
        );
      }
      if (FIXED_NAMES.has(name) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new CommandRequestRefusedError(program, `variable ${JSON.stringify(name)} may not be set`);
      }
    }
    return { ...env };
  }

  // Order matters: bwrap applies mounts left to right, so the tmpfs over /tmp and over hidden
  // directories come before the binds that must show through them (a worktree under /tmp).
  private bwrapArgs(worktree: string, cwd: string, network: boolean): string[] {
    const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
    const hidden = (this.options.hiddenDirs ?? [homedir()]).filter((d) => d !== '/' && d !== '');
    for (const dir of hidden) args.push('--tmpfs', dir);
    for (const entry of this.path.split(delimiter)) {
      if (hidden.some((dir) => entry === dir || entry.startsWith(dir + sep)))
        args.push('--ro-bind', entry, entry);
    }
    args.push('--bind', worktree, worktree, '--dir', '/tmp/home');
    if (!network) args.push('--unshare-net');
    args.push('--unshare-pid', '--die-with-parent', '--new-session', '--chdir', cwd);
    return args;
  }

  private async detect(): Promise<SandboxCapability> {
    if (this.options.bwrap === 'off') {
      return { isolation: 'none', note: `bubblewrap disabled by configuration; ${NO_ISOLATION}` };
    }
    const probeDir = await mkdtemp(join(tmpdir(), 'ap-bwrap-probe-'));
    try {
      const argv = [...this.bwrapArgs(probeDir, probeDir, false), '--', 'true'];
      const env = { PATH: this.path, LANG: this.lang };
      let result: CommandResult;
      try {
        result = await this.spawnContained(this.bwrapProgram, argv, probeDir, env, 10_000, 4096, {
          isolation: 'bwrap',
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? `${this.bwrapProgram} not found` : String((err as Error).message);
        return { isolation: 'none', note: `bubblewrap unavailable (${why}); ${NO_ISOLATION}` };
      }
      if (result.exitCode !== 0) {
        const why = result.stderr.trim().split('\n')[0] || `exit ${result.exitCode ?? result.signal}`;
        return { isolation: 'none', note: `bubblewrap cannot run here (${why}); ${NO_ISOLATION}` };
      }
      return { isolation: 'bwrap' };
    } finally {
      await rm(probeDir, { recursive: true, force: true });
    }
  }

  /**
   * Spawns `program` in its own process group and collects capped output. Rejects only when the
   * program cannot be started (ENOENT and the like); a command's own failure is a result.
   */
  private spawnContained(
    program: string,
    args: readonly string[],
    cwd: string,
    env: Record<string, string>,
    timeoutMs: number,
    cap: number,
    capability: SandboxCapability,
  ): Promise<CommandResult> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(program, [...args], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const out = new CappedOutput(cap);
      const err = new CappedOutput(cap);
      let timedOut = false;
      const killGroup = () => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // ESRCH: the group is already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => out.add(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.add(chunk));
      // A background process left by the command would hold the pipes open: the group goes with it.
      child.on('exit', killGroup);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (exitCode, signal) => {
        clearTimeout(timer);
        resolve({
          exitCode,
          signal,
          timedOut,
          stdout: out.text(),
          stderr: err.text(),
          truncated: out.truncated || err.truncated,
          durationMs: performance.now() - started,
          isolation: capability.isolation,
          ...(capability.note !== undefined ? { isolationNote: capability.note } : {}),
        });
      });
    });
  }
}

function notStarted(program: string, code: string, capability: SandboxCapability): CommandResult {
  return {
    exitCode: code === 'ENOENT' ? 127 : 126,
    signal: null,
    timedOut: false,
    stdout: '',
    stderr: `${program}: ${code === 'ENOENT' ? 'command not found' : 'permission denied'}\n`,
    truncated: false,
    durationMs: 0,
    isolation: capability.isolation,
    ...(capability.note !== undefined ? { isolationNote: capability.note } : {}),
  };
}

/** The first `cap` bytes of a stream; the rest is read and dropped so the writer never blocks. */
class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  add(chunk: Buffer): void {
    const room = this.cap - this.kept;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.kept += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
