import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Module } from '@nestjs/common';
import { createLogger } from '../logging';
import type { ServiceDefinition } from '../service-definition';
import { startEmbedded } from './embedded';

@Module({})
class EmptyModule {}

const services: ServiceDefinition[] = [
  { name: 'ingestion', module: EmptyModule, collections: [{ name: 'blueprints' }] },
  { name: 'worker', module: EmptyModule, collections: [] },
];

describe('startEmbedded', () => {
  it('runs every service on one bus with a SQLite file each, ready on /readyz, and stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-embedded-'));
    const logger = createLogger({
      service: 'autopilot',
      level: 'fatal',
      destination: new Writable({ write: (_c, _e, d) => d() }),
    });
    const running = await startEmbedded({
      services,
      dir: join(dir, 'state'),
      port: 0,
      host: '127.0.0.1',
      outboxIntervalMs: 50,
      logger,
    });
    try {
      await running.started;
      const ready = await fetch(`${running.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        ready: true,
        parts: {
          bus: { ready: true },
          'store:ingestion': { ready: true },
          'service:ingestion': { ready: true },
          'store:worker': { ready: true },
          'service:worker': { ready: true },
        },
      });
      expect(existsSync(join(dir, 'state', 'ingestion.db'))).toBe(true);
      expect(existsSync(join(dir, 'state', 'worker.db'))).toBe(true);
    } finally {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  });

  it('fails to start, naming the file, when a store cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-embedded-'));
    writeFileSync(join(dir, 'ingestion.db'), 'not a database, but long enough to have a header'.repeat(20));
    const logger = createLogger({
      service: 'autopilot',
      level: 'fatal',
      destination: new Writable({ write: (_c, _e, d) => d() }),
    });
    const running = await startEmbedded({
      services,
      dir,
      port: 0,
      host: '127.0.0.1',
      outboxIntervalMs: 50,
      logger,
    });
    try {
      await expect(running.started).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect((await fetch(`${running.url}/readyz`)).status).toBe(503);
    } finally {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
