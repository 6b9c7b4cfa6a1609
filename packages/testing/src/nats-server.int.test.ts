/// <reference types="jest" />
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutopilotError } from '@autopilot/kernel';
import { NatsServerNotFoundError, NatsServerStartError, startNatsServer } from './nats-server';

describe('startNatsServer failures', () => {
  it('rejects with NatsServerStartError, carrying the stderr tail, when the server exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-nats-bad-'));
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, '');
    try {
      const starting = startNatsServer({ storeDir: join(file, 'store') });
      await expect(starting).rejects.toBeInstanceOf(NatsServerStartError);
      await expect(starting).rejects.toBeInstanceOf(AutopilotError);
      await expect(starting).rejects.toMatchObject({
        code: 'TESTING_NATS_SERVER_START_FAILED',
        stderr: expect.stringContaining('JetStream'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a missing binary with a coded AutopilotError', () => {
    const err = new NatsServerNotFoundError(['/nowhere/nats-server']);
    expect(err).toBeInstanceOf(AutopilotError);
    expect(err).toMatchObject({ code: 'TESTING_NATS_SERVER_NOT_FOUND', name: 'NatsServerNotFoundError' });
  });
});
