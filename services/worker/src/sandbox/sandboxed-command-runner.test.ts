import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@autopilot/testing';
import type { CommandRequest } from './command-runner';
import { SandboxedCommandRunner } from './sandboxed-command-runner';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
const tempDir = async (root = tmpdir()) => {
  const dir = await mkdtemp(join(root, 'ap-sandbox-'));
  dirs.push(dir);
  return dir;
};

const node = (worktree: string, script: string, over: Partial<CommandRequest> = {}): CommandRequest => ({
  argv: ['node', '-e', script],
  cwd: worktree,
  worktree,
  timeoutMs: 20_000,
  network: false,
  ...over,
});

/** Processes on this machine whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A loopback TCP server on the host; its port is what a sandboxed command tries to reach. */
async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

const connectScript = (port: number) =>
  `require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(3));`;

describe('SandboxedCommandRunner', () => {
  const runner = new SandboxedCommandRunner();

  it('runs argv without a shell and reports how it was contained', async () => {
    const wt = await tempDir();
    const r = await runner.run({ ...node(wt, ''), argv: ['echo', 'a;', '$(id)', '&&', 'b'] });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'a; $(id) && b\n', timedOut: false, truncated: false });
    const capability = await runner.probe();
    expect(r.isolation).toBe(capability.isolation);
    // bubblewrap is installed here (and by .ci/run); a machine without it reports why.
    if (capability.isolation === 'none') expect(r.isolationNote).toMatch(/bubblewrap/);
  });

  it('gives a command only PATH, a private HOME, LANG, TMPDIR, CI and its own non-secret variables', async () => {
    const wt = await tempDir();
    const r = await runner.run({
      ...node(wt, 'console.log(JSON.stringify(process.env))'),
      env: { FOO: 'bar' },
    });
    const env = JSON.parse(r.stdout) as Record<string, string>;
    // bubblewrap's --chdir also sets PWD.
    const names = Object.keys(env).filter((n) => n !== 'PWD');
    expect(names.sort()).toEqual(['CI', 'FOO', 'HOME', 'LANG', 'PATH', 'TMPDIR']);
    expect(env.FOO).toBe('bar');
    expect(env.HOME).not.toBe(process.env.HOME);

    const secret = 'sk-test-FAKEFAKEFAKE';
    for (const name of [
      'OPENAI_API_KEY',
      'GITHUB_TOKEN',
      'DB_PASSWORD',
      'AWS_SECRET_ACCESS_KEY',
      'GIT_CREDENTIALS',
    ]) {
      const err = await runner.run({ ...node(wt, ''), env: { [name]: secret } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SANDBOX_REQUEST_REFUSED' });
      expect(String((err as Error).message)).not.toContain(secret);
    }
    await expect(runner.run({ ...node(wt, ''), env: { HOME: '/root' } })).rejects.toMatchObject({
      code: 'SANDBOX_REQUEST_REFUSED',
    });
  });

  it('refuses a cwd outside the worktree and an empty argv, starting nothing', async () => {
    const wt = await tempDir();
    const other = await tempDir();
    await expect(runner.run({ ...node(wt, ''), cwd: other })).rejects.toMatchObject({
      code: 'SANDBOX_REQUEST_REFUSED',
    });
    await expect(runner.run({ ...node(wt, ''), argv: [] })).rejects.toMatchObject({
      code: 'SANDBOX_REQUEST_REFUSED',
    });
  });

  it('kills the command and everything it started when the timeout passes', async () => {
    const wt = await tempDir();
    const marker = `${Date.now() % 1000}.4242`;
    const r = await runner.run({
      ...node(wt, ''),
      argv: ['sh', '-c', `sleep 3${marker} & sleep 3${marker}; echo never`],
      timeoutMs: 300,
    });
    expect(r).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    expect(r.stdout).toBe('');
    await eventually(() => expect(processesWith(`sleep 3${marker}`)).toEqual([]), { timeoutMs: 5000 });
  });

  it('keeps at most the cap of each stream and says it cut', async () => {
    const wt = await tempDir();
    const r = await runner.run({
      ...node(wt, "process.stdout.write('x'.repeat(200000)); process.stderr.write('e'.repeat(10))"),
      outputCapBytes: 1000,
    });
    expect(r).toMatchObject({ exitCode: 0, truncated: true });
    expect(r.stdout).toBe('x'.repeat(1000));
    expect(r.stderr).toBe('e'.repeat(10));
  });

  it('answers a missing program the way a shell would', async () => {
    const wt = await tempDir();
    const r = await runner.run({ ...node(wt, ''), argv: ['no-such-program-ap'] });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-program-ap/);
  });

  describe('under bubblewrap (when it runs here)', () => {
    let isolated = false;
    beforeAll(async () => {
      isolated = (await runner.probe()).isolation === 'bwrap';
    });

    it('writes the worktree, but nothing outside it', async () => {
      const wt = await tempDir();
      const outside = await tempDir('/var/tmp');
      const hostTmp = await tempDir();
      const r = await runner.run(
        node(
          wt,
          `const fs = require('fs'); fs.writeFileSync('inside.txt', 'ok');
           try { fs.writeFileSync(${JSON.stringify(join(outside, 'x'))}, 'x'); console.log('outside written'); } catch (e) { console.log(e.code); }
           fs.writeFileSync(${JSON.stringify(join(hostTmp, 'y'))}, 'y');`,
        ),
      );
      expect(await readFile(join(wt, 'inside.txt'), 'utf8')).toBe('ok');
      if (isolated) {
        expect(r.stdout.trim()).toBe('EROFS');
        expect(existsSync(join(outside, 'x'))).toBe(false);
        expect(existsSync(join(hostTmp, 'y'))).toBe(false); // its /tmp is private
      } else {
        expect(r.stdout.trim()).toBe('outside written');
      }
    });

    it('has no network unless the request allows it', async () => {
      const wt = await tempDir();
      const { server, port } = await listen();
      try {
        const off = await runner.run(node(wt, connectScript(port)));
        const on = await runner.run(node(wt, connectScript(port), { network: true }));
        expect(off.exitCode).toBe(isolated ? 3 : 0);
        expect(on.exitCode).toBe(0);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it("hides the worker's home directory", async () => {
      const wt = await tempDir();
      const r = await runner.run(
        node(wt, "console.log(require('fs').readdirSync(require('os').userInfo().homedir).length)"),
      );
      if (isolated) expect(r.stdout.trim()).toBe('0');
      else expect(r.exitCode).toBe(0);
    });
  });

  describe('fallback without bubblewrap', () => {
    it('states why when bwrap is missing, and still scrubs, caps and times out', async () => {
      const missing = new SandboxedCommandRunner({ bwrapPath: '/nonexistent/bwrap' });
      expect(await missing.probe()).toEqual({
        isolation: 'none',
        note: expect.stringContaining('/nonexistent/bwrap not found') as unknown as string,
      });
      const wt = await tempDir();
      const r = await missing.run(node(wt, 'console.log(Object.keys(process.env).sort().join(","))'));
      expect(r).toMatchObject({ exitCode: 0, isolation: 'none', stdout: 'CI,HOME,LANG,PATH,TMPDIR\n' });
      expect(r.isolationNote).toMatch(/without isolation/);
      const slow = await missing.run({ ...node(wt, ''), argv: ['sleep', '30'], timeoutMs: 200 });
      expect(slow.timedOut).toBe(true);
    });

    it('is what `bwrap: off` gives, network reachable', async () => {
      const off = new SandboxedCommandRunner({ bwrap: 'off' });
      expect((await off.probe()).note).toMatch(/disabled by configuration/);
      const wt = await tempDir();
      const { server, port } = await listen();
      try {
        const r = await off.run(node(wt, connectScript(port)));
        expect(r).toMatchObject({ exitCode: 0, isolation: 'none' });
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
