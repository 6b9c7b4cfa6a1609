import {
  BlueprintIngestedV1,
  buildEnvelope,
  IngestionProgressV1,
  IngestionScanRepoV1,
  IngestionSubmitBlueprintV1,
  type Envelope,
} from '@autopilot/contracts';
import { ulidSource } from '@autopilot/kernel';
import { eventually } from '@autopilot/testing';
import { startIngestionHost, type IngestionHost } from '../testing/ingestion-host';

const ids = ulidSource();

const command = (jobId: string, text: string): IngestionSubmitBlueprintV1 => ({
  jobId,
  projectId: 'proj-1',
  title: 'Shop',
  name: `${jobId}.md`,
  format: 'markdown',
  text,
  requestedBy: { kind: 'system', id: 'test' },
});

/** A submit command's envelope as a raw client writes it: any source, any body. */
function raw(data: unknown, fields: { source?: string; correlationId?: string } = {}): string {
  const envelope = buildEnvelope(IngestionSubmitBlueprintV1, command('placeholder', '# x\n'), {
    id: ids.next(),
    time: '2026-11-24T10:15:00.000Z',
    source: fields.source ?? 'gateway',
    projectId: 'proj-1',
    ...(fields.correlationId !== undefined ? { correlationId: fields.correlationId } : {}),
  });
  return JSON.stringify({ ...envelope, data });
}

describe('a refused ingestion command ends its job with a failure event (the services path)', () => {
  let ingestion: IngestionHost;
  let bus: IngestionHost['bus'];
  const progress: Envelope<IngestionProgressV1>[] = [];
  const ingested: string[] = [];
  const failed = (jobId: string) =>
    progress.filter((p) => p.data.jobId === jobId && p.data.phase === 'failed').map((p) => p.data);

  beforeAll(async () => {
    ingestion = await startIngestionHost();
    bus = ingestion.bus;
    await bus.subscribe(IngestionProgressV1, 'test-ingestion-progress', async (d) => {
      progress.push(d.envelope);
    });
    await bus.subscribe(BlueprintIngestedV1, 'test-blueprint-ingested', async (d) => {
      ingested.push(d.payload.jobId);
    });
  });
  afterAll(() => ingestion.close());

  it('a command breaking its contract: dead-lettered, and its job fails with an event a client sees', async () => {
    await bus.publishRaw(
      IngestionSubmitBlueprintV1.subject,
      raw({ ...command('job-docx', '# Shop\n'), format: 'docx' }, { correlationId: 'job-docx' }),
    );
    await eventually(() => expect(failed('job-docx')).toHaveLength(1));
    expect(failed('job-docx')[0]).toMatchObject({
      projectId: 'proj-1',
      jobKind: 'blueprint',
      error: { code: 'CONTRACT_VIOLATION' },
    });
    const event = progress.find((p) => p.data.jobId === 'job-docx')!;
    expect(event).toMatchObject({ source: 'ingestion', correlationId: 'job-docx' });
    const letters = await bus.listDeadLetters({ consumer: 'ingestion-submit-blueprint' });
    expect(letters.map((l) => l.code)).toContain('CONTRACT_VIOLATION');
  });

  it('a forged command (not from the gateway): refused, and the job it named fails', async () => {
    await bus.publishRaw(
      IngestionSubmitBlueprintV1.subject,
      raw(command('job-forged', '# Shop\n\nWork.\n'), { source: 'intruder', correlationId: 'job-forged' }),
    );
    await eventually(() => expect(failed('job-forged')).toHaveLength(1));
    expect(failed('job-forged')[0]!.error).toMatchObject({ code: 'PROVENANCE_WRONG_SOURCE' });
    expect(ingested).not.toContain('job-forged');
  });

  it('a scan_repo breaking its contract ends its scan job the same way', async () => {
    const scan = buildEnvelope(
      IngestionScanRepoV1,
      {
        jobId: 'scan-bad',
        projectId: 'proj-1',
        repo: { location: '/nowhere', defaultBranch: 'main' },
        ref: 'HEAD',
        requestedBy: { kind: 'system', id: 'test' },
      },
      { id: ids.next(), time: '2026-11-24T10:15:00.000Z', source: 'gateway', projectId: 'proj-1' },
    );
    await bus.publishRaw(
      IngestionScanRepoV1.subject,
      JSON.stringify({ ...scan, data: { ...scan.data, ref: 42 } }),
    );
    await eventually(() => expect(failed('scan-bad')).toHaveLength(1));
    expect(failed('scan-bad')[0]).toMatchObject({
      jobKind: 'repo_scan',
      error: { code: 'CONTRACT_VIOLATION' },
    });
  });

  it('a refused copy of a command whose job already ended does not fail that job', async () => {
    await bus.publish(IngestionSubmitBlueprintV1, command('job-done', '# Done\n\nWork.\n'));
    await eventually(() => expect(ingested).toContain('job-done'));
    await bus.publishRaw(
      IngestionSubmitBlueprintV1.subject,
      raw({ ...command('job-done', '# Done\n'), format: 'docx' }),
    );
    // Published after it, handled after it: once this job has failed, the copy was dealt with.
    await bus.publishRaw(
      IngestionSubmitBlueprintV1.subject,
      raw({ ...command('job-after', '# After\n'), format: 'docx' }),
    );
    await eventually(() => expect(failed('job-after')).toHaveLength(1));
    expect(failed('job-done')).toEqual([]);
  });

  it('more sections than a blueprint may have (100,001 headings) fails the job with an event', async () => {
    const headings = Array.from({ length: 100_001 }, (_, i) => `## S${i}\n\nx\n`).join('\n');
    await bus.publish(IngestionSubmitBlueprintV1, command('job-headings', headings), {
      correlationId: 'job-headings',
    });
    await eventually(() => expect(failed('job-headings')).toHaveLength(1), { timeoutMs: 60_000 });
    expect(failed('job-headings')[0]!.error).toMatchObject({ code: 'INGESTION_TOO_MANY_SECTIONS' });
    expect(failed('job-headings')[0]!.error!.message).toMatch(/100001 sections/);
    expect(ingested).not.toContain('job-headings');
  }, 90_000);
});
