import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { eventually } from '@autopilot/testing';
import type { ServiceDefinition } from '../service-definition';
import { memoryLogger } from '../testing/memory-logger';
import { startSingleService } from './service';

@Module({})
class EmptyModule {}

const manager: ServiceDefinition = { name: 'manager', module: EmptyModule, collections: [] };

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('startSingleService while NATS is unreachable', () => {
  it('retries in one loop, never logs the token in the NATS URL, and leaves no timer or log line after stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-service-'));
    const { logger, lines, text } = memoryLogger('debug', 'manager');
    const token = 's3cr3tToken';
    const baseline = timers();
    const running = await startSingleService({
      definition: manager,
      natsUrls: [`nats://${token}@127.0.0.1:${await closedPort()}`],
      dir,
      port: 0,
      host: '127.0.0.1',
      outboxIntervalMs: 250,
      logger,
      maxRetryDelayMs: 50,
    });
    try {
      // Two retries of the adapter's loop: it is the one running, and it logs.
      await eventually(() =>
        expect(
          lines.filter((l) => l['component'] === 'bus' && /NATS unreachable, retrying/.test(String(l.msg)))
            .length,
        ).toBeGreaterThanOrEqual(2),
      );
      // No second loop around it: the runtime's own retry line never appears for an unreachable server.
      expect(lines.some((l) => /^bus not available at /.test(String(l.msg)))).toBe(false);
      expect((await fetch(`${running.url}/readyz`)).status).toBe(503);
    } finally {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    // Aborting the connect cleared the adapter's retry wait: nothing of it is left to fire.
    await eventually(() => expect(timers()).toBeLessThanOrEqual(baseline));
    const after = lines.length;
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.length).toBe(after);
    expect(lines.some((l) => /NATS unreachable/.test(String(l.msg)) && l.level === 'warn')).toBe(true);

    expect(text()).not.toContain(token);
    // The token is taken out of the URL and passed as a connect option: logs name the bare server.
    expect(text()).toContain('"servers":["nats://127.0.0.1:');
  });
});
