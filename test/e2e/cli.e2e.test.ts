import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, startNatsServer, type NatsServerHandle } from '@autopilot/testing';
import { CliProcess, ensureBuilt, getJson, runToExit } from './cli-process';

const SERVICES = ['ingestion', 'planner', 'manager', 'worker', 'governance', 'gateway'];

/** A port nobody listens on (the OS just gave it out and it was closed again). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** SIGTERM, then the exit code and the "stopped" line, within the shutdown timeout. */
async function stopGracefully(cli: CliProcess): Promise<void> {
  cli.child.kill('SIGTERM');
  const exit = await Promise.race([
    cli.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no exit after SIGTERM:\n${cli.stdout}`)), 12_000),
    ),
  ]);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(cli.lines.map((l) => l.msg)).toContain('stopped');
}

describe('autopilot CLI (built bin)', () => {
  const running: CliProcess[] = [];
  const dirs: string[] = [];
  const start = (args: string[], env: Record<string, string> = {}): CliProcess => {
    const cli = new CliProcess(args, env);
    running.push(cli);
    return cli;
  };
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-e2e-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(() => ensureBuilt(), 300_000);
  afterAll(() => {
    for (const cli of running) cli.kill();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('usage', () => {
    it('--help exits 0 and lists the commands', () => {
      const { code, out } = runToExit(['--help']);
      expect(code).toBe(0);
      expect(out).toMatch(/^\s+up \[options\]/m);
      expect(out).toMatch(/^\s+service \[options\] <name>/m);
    });

    it('service nope exits 2 naming the valid services', () => {
      const { code, err } = runToExit(['service', 'nope']);
      expect(code).toBe(2);
      expect(err).toContain("'nope' is invalid");
      expect(err).toContain(SERVICES.join(', '));
    });

    it('up --port abc exits 2 naming the flag', () => {
      const { code, err } = runToExit(['up', '--port', 'abc']);
      expect(code).toBe(2);
      expect(err).toMatch(/--port <port>.*'abc' is invalid/);
    });

    it('an invalid variable exits 2 naming it, before anything starts', () => {
      const { code, err, out } = runToExit(['up', '--port', '0'], { LOG_LEVEL: 'loud' });
      expect(code).toBe(2);
      expect(err).toMatch(/^autopilot: invalid configuration: LOG_LEVEL: "loud" is not one of trace/);
      expect(out).toBe('');
    });

    it("a service's invalid setting exits 2 naming it, before HTTP binds", () => {
      for (const command of [
        ['up', '--port', '0'],
        ['service', 'planner', '--port', '0'],
      ]) {
        const { code, err, out } = runToExit(command, { AUTOPILOT_PLANNER_MAX_LLM_CALLS: 'abc' });
        expect({ command, code }).toEqual({ command, code: 2 });
        expect(err).toBe(
          'autopilot: invalid configuration: AUTOPILOT_PLANNER_MAX_LLM_CALLS: "abc" is not a whole number\n',
        );
        expect(out).toBe('');
      }
    });
  });

  describe('up', () => {
    it('runs the six services on one port until SIGTERM, then exits 0; never logs a secret', async () => {
      const dir = join(tempDir(), 'state');
      const secret = 'Sup3r-S3cret-pw';
      const cli = start(['up', '--dir', dir, '--port', '0'], {
        MONGO_URL: `mongodb://autopilot:${secret}@127.0.0.1:1/x`,
        AUTOPILOT_API_KEY: secret,
        AUTOPILOT_PLANNER_MODEL: 'scripted-model',
        OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
        OPENAI_API_KEY: secret,
      });
      const port = await cli.port();
      expect(port).toBeGreaterThan(0);
      const ready = await cli.waitFor(/^autopilot up: 6 services ready on /);
      expect(ready).toMatchObject({ level: 'info', service: 'autopilot', port, services: SERVICES });

      expect(await getJson(port, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
      const readyz = await getJson(port, '/readyz');
      expect(readyz.status).toBe(200);
      expect(Object.keys(readyz.body['parts'] as object)).toEqual(
        expect.arrayContaining(['bus', ...SERVICES.flatMap((s) => [`store:${s}`, `service:${s}`])]),
      );
      for (const s of SERVICES) expect(existsSync(join(dir, `${s}.db`))).toBe(true);

      const config = cli.lines.find((l) => l.msg === 'config');
      expect(config).toMatchObject({ topology: 'embedded', port: 0, dir });
      expect(JSON.stringify(config)).toContain('mongodb://autopilot:***@127.0.0.1:1/x');
      // Each service's declared settings, secrets masked; a variable nothing reads is named.
      expect(config).toMatchObject({
        config: {
          services: {
            planner: {
              AUTOPILOT_PLANNER_MODEL: 'scripted-model',
              OPENAI_API_KEY: '***',
              AUTOPILOT_PLANNER_MAX_LLM_CALLS: '(default: 20)',
            },
          },
          unknownVariables: ['AUTOPILOT_API_KEY'],
        },
      });

      await stopGracefully(cli);
      expect(cli.stdout + cli.stderr).not.toContain(secret);
      for (const line of cli.lines) expect(line).toHaveProperty('service');
    }, 30_000);
  });

  describe('stores it cannot use', () => {
    it('two `up` on the same dir at once, 3 rounds: one runs, the other exits 1 naming a locked file and the winner', async () => {
      for (let round = 0; round < 3; round++) {
        const dir = join(tempDir(), 'state');
        const racers = [
          start(['up', '--dir', dir, '--port', '0']),
          start(['up', '--dir', dir, '--port', '0']),
        ];
        try {
          // The loser exits; the winner runs until stopped.
          const loserIndex = await Promise.race(racers.map((r, i) => r.exited.then(() => i)));
          const loser = racers[loserIndex] as (typeof racers)[number];
          const winner = racers[1 - loserIndex] as (typeof racers)[number];
          expect({ round, exit: await loser.exited }).toEqual({ round, exit: { code: 1, signal: null } });
          await winner.waitFor(/^autopilot up: 6 services ready on /);
          const fatal = loser.lines.find((l) => l.level === 'fatal');
          const message = String((fatal?.['err'] as { message?: string } | undefined)?.message);
          expect(message).toContain(`${dir}/`);
          expect(message).toMatch(/\.db\b/);
          expect(message).toContain(`locked by process ${winner.child.pid}`);
          expect(await getJson(await winner.port(), '/readyz')).toMatchObject({ status: 200 });
          await stopGracefully(winner);
        } finally {
          for (const r of racers)
            if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
        }
      }
    }, 90_000);

    it('a corrupted store file exits 1 naming it, and the file is left byte for byte as it was', async () => {
      const dir = join(tempDir(), 'state');
      mkdirSync(dir, { recursive: true });
      const garbage = Buffer.from('not a database, but somebody cares about these bytes\n'.repeat(20));
      writeFileSync(join(dir, 'planner.db'), garbage);

      const cli = start(['up', '--dir', dir, '--port', '0']);
      expect(await cli.exited).toEqual({ code: 1, signal: null });
      const fatal = cli.lines.find((l) => l.level === 'fatal');
      const message = String((fatal?.['err'] as { message?: string } | undefined)?.message);
      expect(message).toContain(join(dir, 'planner.db'));
      expect(message).toMatch(/not a valid Autopilot store/);
      expect(readFileSync(join(dir, 'planner.db')).equals(garbage)).toBe(true);
    }, 30_000);
  });

  describe('service', () => {
    let nats: NatsServerHandle | undefined;
    afterEach(async () => {
      await nats?.stop();
      nats = undefined;
    });

    it('service manager on a real nats-server becomes ready, and exits 0 on SIGTERM', async () => {
      nats = await startNatsServer();
      const cli = start(['service', 'manager', '--port', '0'], {
        NATS_URL: nats.url,
        AUTOPILOT_DIR: tempDir(),
      });
      const port = await cli.port();
      await cli.waitFor(/^service manager ready on /);
      expect(await getJson(port, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
      await stopGracefully(cli);
    }, 30_000);

    it('waits for NATS with backoff instead of crashing, then becomes ready when it starts', async () => {
      const natsPort = await closedPort();
      const dir = tempDir();
      const cli = start(['service', 'manager', '--port', '0'], {
        NATS_URL: `nats://127.0.0.1:${natsPort}`,
        AUTOPILOT_DIR: dir,
      });
      const port = await cli.port();
      // Three failed attempts, spaced further and further apart.
      const retries = await eventually(
        () => {
          const warnings = cli.lines.filter(
            (l) => l.level === 'warn' && /NATS unreachable, retrying in/.test(String(l.msg)),
          );
          expect(warnings.length).toBeGreaterThanOrEqual(3);
          return warnings;
        },
        { timeoutMs: 15_000 },
      );
      const delays = retries.map((l) => Number(/retrying in (\d+) ms/.exec(String(l.msg))?.[1]));
      expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);
      expect(delays[2]).toBeGreaterThan(delays[1] ?? Infinity);

      expect(cli.child.exitCode).toBeNull();
      expect(await getJson(port, '/healthz')).toMatchObject({ status: 200 });
      const notReady = await getJson(port, '/readyz');
      expect(notReady.status).toBe(503);
      expect(notReady.body['parts']).toMatchObject({ bus: { ready: false, reason: 'connecting' } });

      nats = await startNatsServer({ port: natsPort });
      await cli.waitFor(/^service manager ready on /, 20_000);
      expect(await getJson(port, '/readyz')).toMatchObject({ status: 200 });
      await stopGracefully(cli);
    }, 60_000);
  });
});
