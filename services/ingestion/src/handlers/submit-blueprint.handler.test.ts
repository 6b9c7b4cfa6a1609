import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { InProcessMessageBus } from '@autopilot/bus';
import { BlueprintIngestedV1, IngestionProgressV1, IngestionSubmitBlueprintV1 } from '@autopilot/contracts';
import { createHttpRoutes, createLogger, startServiceHost, type ServiceHost } from '@autopilot/runtime';
import { openSqliteStore, type DocumentStore } from '@autopilot/store';
import { eventually } from '@autopilot/testing';
import { ingestionService } from '../index';

const command = (jobId: string, text: string): IngestionSubmitBlueprintV1 => ({
  jobId,
  projectId: 'proj-1',
  title: 'Shop',
  name: 'shop.md',
  format: 'markdown',
  text,
  requestedBy: { kind: 'system', id: 'test' },
});

describe('cmd.ingestion.submit_blueprint through the ingestion service (in-process bus, SQLite store)', () => {
  let dir: string;
  let bus: InProcessMessageBus;
  let store: DocumentStore;
  let host: ServiceHost;
  const ingested: { payload: BlueprintIngestedV1; correlationId: string | undefined }[] = [];
  const progress: IngestionProgressV1[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-submit-host-'));
    bus = new InProcessMessageBus({ redeliveryDelayMs: 0 });
    store = await openSqliteStore({ file: join(dir, 'ingestion.db') });
    await bus.subscribe(BlueprintIngestedV1, 'test-blueprint-ingested', async (d) => {
      ingested.push({ payload: d.payload, correlationId: d.envelope.correlationId });
    });
    await bus.subscribe(
      IngestionProgressV1,
      'test-ingestion-progress',
      async (d) => void progress.push(d.payload),
    );
    host = await startServiceHost({
      definition: ingestionService,
      bus,
      store,
      routes: createHttpRoutes(),
      logger: createLogger({
        service: 'ingestion',
        level: 'fatal',
        destination: new Writable({ write: (_c, _e, d) => d() }),
      }),
      outboxIntervalMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await host.close();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the command with blueprint.ingested carrying the text and sections, once per job', async () => {
    const text = '# Shop\n\nIntent.\n\n## Phase 1\n\n```\n# fenced\n```\n\n### Story 1.1\n\nWork.\n';
    await bus.publish(IngestionSubmitBlueprintV1, command('job-1', text));
    await eventually(() => expect(ingested).toHaveLength(1));
    const [first] = ingested;
    expect(first?.correlationId).toBe('job-1');
    expect(first?.payload).toMatchObject({ jobId: 'job-1', version: 1, text });
    expect(first?.payload.sections.map((s) => s.title)).toEqual(['Shop', 'Phase 1', 'Story 1.1']);

    // A resend of the same command, then a new job with the same text: the resend is a no-op, the
    // new job re-announces version 1.
    await bus.publish(IngestionSubmitBlueprintV1, command('job-1', text));
    await bus.publish(IngestionSubmitBlueprintV1, command('job-2', text));
    await eventually(() =>
      expect(ingested.map((e) => [e.payload.jobId, e.payload.version])).toEqual([
        ['job-1', 1],
        ['job-2', 1],
      ]),
    );
  });

  it('fails a job with bad input by announcing it, without retrying or dead-lettering the command', async () => {
    await bus.publish(IngestionSubmitBlueprintV1, command('job-bad', '# Only\n\n## Headings\n'));
    await eventually(() =>
      expect(progress.filter((p) => p.jobId === 'job-bad')).toEqual([
        expect.objectContaining({
          phase: 'failed',
          error: expect.objectContaining({ code: 'INGESTION_HEADINGS_ONLY' }),
        }),
      ]),
    );
    expect(await bus.listDeadLetters({ consumer: 'ingestion-submit-blueprint' })).toEqual([]);
  });
});
