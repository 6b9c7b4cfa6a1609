import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Inject, Injectable, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { InProcessMessageBus } from '@autopilot/bus/in-process';
import {
  AutopilotTickedV1,
  buildEnvelope,
  IngestionProgressV1,
  IngestionSubmitBlueprintV1,
  type Envelope,
} from '@autopilot/contracts';
import { ulidSource } from '@autopilot/kernel';
import type { DocumentStore } from '@autopilot/store';
import { openSqliteStore } from '@autopilot/store/sqlite';
import { eventually } from '@autopilot/testing';
import type { CommandRefusals, RefusedCommand } from './command-refusals';
import { OutboxEnvelopes } from './envelopes';
import { createHttpRoutes } from './http';
import { startServiceHost, type ServiceHost } from './service-host';
import type { ServiceDefinition } from './service-definition';
import { memoryLogger, type MemoryLogger } from './testing/memory-logger';
import { tickPayload } from './testing/ticks';

const ids = ulidSource();
const handled: number[] = [];
const commands: string[] = [];

/** A fixture service consuming the manager's tick and ingestion's submit command; not a real service. */
@Controller()
class GatedHandler {
  @EventPattern(AutopilotTickedV1.subject, { consumer: 'gated-autopilot-ticked' })
  async tick(@Payload() t: AutopilotTickedV1): Promise<void> {
    handled.push(t.seq);
  }

  @EventPattern(IngestionSubmitBlueprintV1.subject, { consumer: 'gated-submit-blueprint' })
  async submit(@Payload() c: IngestionSubmitBlueprintV1): Promise<void> {
    commands.push(c.jobId);
  }
}

/** Ends the job of a refused command with a failed `ingestion.progress`, as ingestion does. */
@Injectable()
class EndRefusedJobs implements CommandRefusals {
  constructor(@Inject(OutboxEnvelopes) private readonly envelopes: OutboxEnvelopes) {}

  async announce(refused: RefusedCommand): Promise<readonly Envelope[]> {
    const jobId = typeof refused.data?.jobId === 'string' ? refused.data.jobId : refused.correlationId;
    if (jobId === undefined || refused.projectId === undefined) return [];
    return [
      this.envelopes.build(IngestionProgressV1, {
        jobId,
        projectId: refused.projectId,
        jobKind: 'blueprint',
        phase: 'failed',
        done: 0,
        error: { code: refused.code, message: refused.reason.slice(0, 2000) },
        at: '2026-01-01T00:00:00.000Z',
      }),
    ];
  }
}

@Module({
  controllers: [GatedHandler],
  providers: [EndRefusedJobs],
})
class GatedModule {}

const gated: ServiceDefinition = {
  name: 'ingestion',
  module: GatedModule,
  collections: [],
  commandRefusals: EndRefusedJobs,
};

function envelope(
  def: typeof AutopilotTickedV1 | typeof IngestionSubmitBlueprintV1,
  data: unknown,
  fields: { source: string; projectId?: string; correlationId?: string; subject?: string },
): Envelope {
  const { subject, ...rest } = fields;
  const built = buildEnvelope(def, data as never, {
    id: ids.next(),
    time: '2026-01-01T00:00:00.000Z',
    ...rest,
  });
  return subject === undefined ? built : { ...built, subject };
}

const submit = (jobId: string, projectId = 'p-1'): IngestionSubmitBlueprintV1 => ({
  jobId,
  projectId,
  title: 'Plan',
  format: 'markdown',
  text: '# Plan\n',
  requestedBy: { kind: 'system', id: 'test' },
});

describe('DeliveryGate (provenance and refused commands, through a real service host)', () => {
  let dir: string;
  let bus: InProcessMessageBus;
  let store: DocumentStore;
  let host: ServiceHost | undefined;
  let log: MemoryLogger;
  const progress: Envelope<IngestionProgressV1>[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-gate-'));
    bus = new InProcessMessageBus({ redeliveryDelayMs: 0 });
    store = await openSqliteStore({ file: join(dir, 'gated.db') });
    log = memoryLogger('warn', 'ingestion');
    await bus.subscribe(IngestionProgressV1, 'observer-ingestion-progress', async (d) => {
      progress.push(d.envelope);
    });
    host = await startServiceHost({
      definition: gated,
      bus,
      store,
      routes: createHttpRoutes(),
      logger: log.logger,
      outboxIntervalMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await host?.close();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lettersOf = async (consumer: string, n: number) =>
    eventually(async () => {
      const letters = await bus.listDeadLetters({ consumer });
      expect(letters).toHaveLength(n);
      return letters;
    });

  it('refuses an event whose source is not its producer: dead letter with the reason, a warning, and the next genuine one is handled', async () => {
    const forged = envelope(AutopilotTickedV1, tickPayload(9999), { source: 'intruder' });
    await bus.publishEnvelope(forged);
    await bus.publishEnvelope(envelope(AutopilotTickedV1, tickPayload(2), { source: 'manager' }));
    await eventually(() => expect(handled).toContain(2));
    expect(handled).not.toContain(9999);
    const [letter] = await lettersOf('gated-autopilot-ticked', 1);
    expect(letter).toMatchObject({ code: 'PROVENANCE_WRONG_SOURCE', message: { id: forged.id } });
    expect(letter!.reason).toContain('source "intruder" is not "manager"');
    const warning = log.lines.find((l) => l.envelopeId === forged.id);
    expect(warning).toMatchObject({
      level: 'warn',
      subject: AutopilotTickedV1.subject,
      claimedSource: 'intruder',
      expectedSource: 'manager',
      code: 'PROVENANCE_WRONG_SOURCE',
    });
  });

  it('refuses an envelope naming another subject than the one it arrived on', async () => {
    const consumer = 'gated-autopilot-ticked';
    const before = (await bus.listDeadLetters({ consumer })).length;
    const wrong = envelope(AutopilotTickedV1, tickPayload(3), {
      source: 'manager',
      subject: 'ap.v1.evt.plan.generated',
    });
    // Published raw on the tick's subject, claiming another: only a raw client can do this.
    await bus.publishRaw(AutopilotTickedV1.subject, JSON.stringify(wrong));
    await bus.publishEnvelope(envelope(AutopilotTickedV1, tickPayload(3), { source: 'manager' }));
    const letters = await lettersOf(consumer, before + 1);
    expect(letters[before]).toMatchObject({ code: 'PROVENANCE_WRONG_SUBJECT' });
    expect(letters[before]!.reason).toContain('ap.v1.evt.plan.generated');
    await eventually(() => expect(handled).toContain(3));
  });

  it("refuses a command whose envelope's project is not its payload's, and ends the job it carried with a failure event", async () => {
    const forged = envelope(IngestionSubmitBlueprintV1, submit('job-forged', 'p-victim'), {
      source: 'gateway',
      projectId: 'p-other',
      correlationId: 'job-forged',
    });
    await bus.publishEnvelope(forged);
    const [letter] = await lettersOf('gated-submit-blueprint', 1);
    expect(letter).toMatchObject({ code: 'PROVENANCE_WRONG_PROJECT' });
    await eventually(() => expect(progress).toHaveLength(1));
    expect(progress[0]).toMatchObject({
      source: 'ingestion',
      correlationId: 'job-forged',
      causationId: forged.id,
      data: { jobId: 'job-forged', phase: 'failed', error: { code: 'PROVENANCE_WRONG_PROJECT' } },
    });
    expect(commands).toEqual([]);
  });

  it('ends the job of a command the bus refused before any handler ran (contract violation)', async () => {
    const bad = envelope(IngestionSubmitBlueprintV1, submit('job-bad'), {
      source: 'gateway',
      projectId: 'p-1',
      correlationId: 'job-bad',
    });
    await bus.publishRaw(
      IngestionSubmitBlueprintV1.subject,
      JSON.stringify({ ...bad, data: { ...(bad.data as object), format: 'docx' } }),
    );
    await eventually(() => expect(progress.map((p) => p.data.jobId)).toContain('job-bad'));
    const ended = progress.find((p) => p.data.jobId === 'job-bad')!;
    expect(ended.data).toMatchObject({ phase: 'failed', error: { code: 'CONTRACT_VIOLATION' } });
    // A genuine command is still handled.
    await bus.publishEnvelope(
      envelope(IngestionSubmitBlueprintV1, submit('job-ok'), { source: 'gateway', projectId: 'p-1' }),
    );
    await eventually(() => expect(commands).toEqual(['job-ok']));
  });
});
