import {
  BlueprintIngestedV1,
  BlueprintIngestedV2,
  IngestionProgressV1,
  IngestionSubmitBlueprintV1,
} from '@autopilot/contracts';
import { isHandled, outboxStates } from '@autopilot/store';
import { eventually } from '@autopilot/testing';
import { startIngestionHost, type IngestionHost } from '../testing/ingestion-host';

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
  let ingestion: IngestionHost;
  let bus: IngestionHost['bus'];
  const ingested: { payload: BlueprintIngestedV1; correlationId: string | undefined }[] = [];
  const progress: IngestionProgressV1[] = [];

  beforeAll(async () => {
    ingestion = await startIngestionHost();
    bus = ingestion.bus;
    await bus.subscribe(BlueprintIngestedV1, 'test-blueprint-ingested', async (d) => {
      ingested.push({ payload: d.payload, correlationId: d.envelope.correlationId });
    });
    await bus.subscribe(
      IngestionProgressV1,
      'test-ingestion-progress',
      async (d) => void progress.push(d.payload),
    );
  });
  afterAll(() => ingestion.close());

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

describe('cmd.ingestion.submit_blueprint delivered again after the duplicate window', () => {
  it('changes nothing: the inbox recorded the command with the job that finished it', async () => {
    // Window 0: the bus keeps the copy, as JetStream does once its duplicate window has passed.
    const ingestion = await startIngestionHost({ duplicateWindowMs: 0 });
    const { bus, store } = ingestion;
    try {
      const events: { jobId: string; type: string; phase?: string }[] = [];
      await bus.subscribe(BlueprintIngestedV1, 'test-blueprint-ingested', async (d) => {
        events.push({ jobId: d.payload.jobId, type: d.envelope.type });
      });
      // A second version after the first, parsed here: announced as a change to it.
      await bus.subscribe(BlueprintIngestedV2, 'test-blueprint-changed', async (d) => {
        events.push({ jobId: d.payload.jobId, type: d.envelope.type });
      });
      await bus.subscribe(IngestionProgressV1, 'test-ingestion-progress', async (d) => {
        events.push({ jobId: d.payload.jobId, type: d.envelope.type, phase: d.payload.phase });
      });
      /** Resolves once the job's last event (its `done` progress) has arrived: nothing follows it. */
      const jobDone = (jobId: string) =>
        eventually(() => expect(events).toContainEqual(expect.objectContaining({ jobId, phase: 'done' })));
      const sent = await bus.publish(IngestionSubmitBlueprintV1, command('job-1', '# Shop\n\nIntent.\n'));
      await jobDone('job-1');
      await ingestion.host.relay.idle();
      const job1Events = events.length;
      const entries = (await outboxStates(store)).length;
      expect(entries).toBe(job1Events);
      expect(await isHandled(store, 'ingestion-submit-blueprint', sent.id)).toBe(true);

      // The same envelope again, then a new job behind it on the same consumer: once that one is
      // announced, the copy has been handled too.
      await bus.publishEnvelope(sent);
      await bus.publish(IngestionSubmitBlueprintV1, command('job-2', '# Till\n\nIntent.\n'));
      await jobDone('job-2');
      await ingestion.host.relay.idle();
      const job2Events = events.filter((e) => e.jobId === 'job-2').length;
      expect(events.filter((e) => e.jobId === 'job-1')).toHaveLength(job1Events);
      expect((await outboxStates(store)).length).toBe(entries + job2Events);
    } finally {
      await ingestion.close();
    }
  });
});
