import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AutopilotError } from '@autopilot/kernel';

/** A nats-server with JetStream that this process started; tests own it and stop it. */
export interface NatsServerHandle {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The JetStream store directory; kept across `kill()` + `restart()`, removed by `stop()`. */
  readonly storeDir: string;
  /** The running server's process id; undefined once it has exited. */
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes the store directory. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) and waits for the process to exit; the store stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port and store directory; resolves once it accepts. */
  restart(): Promise<void>;
}

export interface StartNatsServerOptions {
  /** Default: a free port picked by the OS. */
  port?: number;
  /** Default: a fresh `mkdtemp` directory. */
  storeDir?: string;
  /** How long to wait for the port to accept connections. Default 10000. */
  startTimeoutMs?: number;
  /**
   * A server config file (`-c`): users, permissions, TLS, operator mode. The port, the address and
   * the store directory still come from the options (flags win over the file). An `include` in it
   * is relative to the file's directory (nats-server takes no absolute include).
   */
  configFile?: string;
  /** Variables the server's environment adds, for `$NAME` references in the config (passwords). */
  env?: Record<string, string>;
}

/** No nats-server binary: tests must fail loudly rather than skip. */
export class NatsServerNotFoundError extends AutopilotError {
  readonly code = 'TESTING_NATS_SERVER_NOT_FOUND';
  constructor(readonly searched: readonly string[]) {
    super(
      `no nats-server binary found (looked on PATH and in ${searched.join(', ')}); ` +
        `install Debian's nats-server: apt-get install -y nats-server`,
    );
  }
}

/** A nats-server that was started but exited, or did not accept connections in time. */
export class NatsServerStartError extends AutopilotError {
  readonly code = 'TESTING_NATS_SERVER_START_FAILED';
  constructor(
    readonly port: number,
    readonly detail: string,
    /** The tail of the server's stderr: why it exited, when it says. */
    readonly stderr: string,
    options?: ErrorOptions,
  ) {
    super(`nats-server on port ${port} ${detail}: ${stderr}`, options);
  }
}

/** Servers this process started and has not stopped: killed when it exits, so none outlive a test run. */
const live = new Set<ChildProcess>();
/** Store directories this module created and `stop()` has not removed yet. */
const scratchDirs = new Set<string>();
let exitHookInstalled = false;
function track(proc: ChildProcess): void {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Exit hooks must be synchronous, so SIGKILL: the stores are scratch.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  });
}

const FALLBACKS = ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'];

/** Finds the nats-server executable: `NATS_SERVER_BIN`, then PATH, then Debian's /usr/sbin. */
export function findNatsServerBinary(): string {
  const candidates = [
    ...(process.env.NATS_SERVER_BIN ? [process.env.NATS_SERVER_BIN] : []),
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'nats-server')),
    ...FALLBACKS,
  ];
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here; try the next place
    }
  }
  throw new NatsServerNotFoundError(FALLBACKS);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Spawns `nats-server -js` on 127.0.0.1 and resolves once its port accepts connections. */
export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServerHandle> {
  const bin = findNatsServerBinary();
  const port = options.port ?? (await freePort());
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'ap-nats-'));
  if (!options.storeDir) scratchDirs.add(storeDir);
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';

  const launch = async (): Promise<void> => {
    stderr = '';
    const config = options.configFile ? ['-c', options.configFile] : [];
    const args = [...config, '-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
    const [command, commandArgs] = withParentDeathSignal(bin, args);
    const proc = spawn(command, commandArgs, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    });
    let spawnError: Error | undefined;
    // Without a listener a failed spawn (EACCES, ENOENT after the check) is an uncaught 'error' event.
    proc.once('error', (err) => (spawnError = err));
    child = proc;
    track(proc);
    // A server a failed test forgot must not keep jest from exiting; the exit hook kills it.
    proc.unref();
    (proc.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    proc.stderr?.on('data', (chunk: Buffer) => {
      // Keep only the tail: enough to explain a failed start without holding a long log.
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + startTimeoutMs;
    while (!(await accepts(port))) {
      if (spawnError) {
        throw new NatsServerStartError(port, `could not be spawned from ${bin}`, stderr, {
          cause: spawnError,
        });
      }
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new NatsServerStartError(port, `exited (${proc.exitCode ?? proc.signalCode})`, stderr);
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new NatsServerStartError(
          port,
          `did not accept connections within ${startTimeoutMs} ms`,
          stderr,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.ref(); // keep the loop alive until the exit is seen
    proc.kill(signal);
    await exited;
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    kill,
    restart: launch,
    async stop() {
      const proc = child;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        proc.ref();
        const hard = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.kill('SIGTERM');
        await exited;
        clearTimeout(hard);
      }
      if (!options.storeDir) {
        rmSync(storeDir, { recursive: true, force: true });
        scratchDirs.delete(storeDir);
      }
    },
  };
}

/** util-linux's setpriv, when this machine has it (Linux). */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

/**
 * The command that runs `bin` so that the kernel kills it when this process dies, however it dies.
 * The exit hook above covers a normal exit, but jest ends its workers with signals that skip exit
 * hooks, and a per-worker server (`testNatsUrl`) then outlived every test run. `setpriv
 * --pdeathsig` sets PR_SET_PDEATHSIG and execs the server, so the pid is still the server's.
 */
function withParentDeathSignal(bin: string, args: readonly string[]): [string, string[]] {
  if (process.platform !== 'linux' || SETPRIV === undefined) return [bin, [...args]];
  return [SETPRIV, ['--pdeathsig', 'SIGKILL', bin, ...args]];
}

let shared: Promise<NatsServerHandle> | undefined;

/**
 * The NATS URL tests should use: `NATS_URL` when set, else a server started once per jest worker
 * (per process) and killed when the process exits. Throws NatsServerNotFoundError, never skips.
 */
export async function testNatsUrl(): Promise<string> {
  if (process.env.NATS_URL) return process.env.NATS_URL;
  if (!shared) {
    shared = startNatsServer();
    // The module's exit hook kills the server and removes its scratch store.
    await shared;
  }
  return (await shared).url;
}
