import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JetStreamMessageBus } from '@autopilot/bus/jetstream';
import {
  BlueprintIngestedV1,
  IngestionProgressV1,
  IngestionSubmitBlueprintV1,
  PlanGeneratedV1,
  PlanGeneratedV2,
  PlanRejectedV1,
  type Envelope,
} from '@autopilot/contracts';
import { ingestionService } from '@autopilot/ingestion';
import { plannerService } from '@autopilot/planner';
import { createLogger, type Logger } from '@autopilot/runtime';
import { eventually } from '@autopilot/testing';
import { jetstream } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { startServicesOnNats, type ServicesOnNats } from './services-on-nats';

/** A logger whose JSON lines are kept, to find the warning a refusal leaves. */
function keptLogger(service: string): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ service, level: 'warn', destination }), lines };
}

const text = (extra: string) => `# Shop\n\n## Story 1: Cart\n\n- build the cart\n${extra}`;

/**
 * Issue 13 item 4 on a real nats-server: ingestion and the planner as separate services, and a raw
 * nats.js client beside them publishing a forged `blueprint.ingested` at version 9999. Before the
 * provenance check it became the project's plan and every genuine version after it was refused.
 */
describe('a forged event on NATS next to the running services', () => {
  const run = Date.now().toString(36);
  const projectId = `project-provenance-${run}`;
  let services: ServicesOnNats;
  let client: JetStreamMessageBus;
  let raw: NatsConnection;
  const planner = keptLogger('planner');
  const ingested: Envelope<BlueprintIngestedV1>[] = [];
  /** The blueprint version of each plan revision announced, whole (v1) or as a change (v2). */
  const plans: { blueprintVersion: number }[] = [];
  const rejected: PlanRejectedV1[] = [];

  beforeAll(async () => {
    services = await startServicesOnNats(
      [
        { definition: ingestionService, logger: keptLogger('ingestion').logger },
        { definition: plannerService, logger: planner.logger },
      ],
      'ap-provenance-',
    );
    // The gateway's role: the services take submit_blueprint only from it.
    client = await services.connectAs('gateway');
    raw = await connect({ servers: services.natsUrl });
    const mine = (p: { projectId: string }) => p.projectId === projectId;
    await client.subscribe(BlueprintIngestedV1, `obs-ingested-${run}`, async (d) => {
      if (mine(d.payload)) ingested.push(d.envelope);
    });
    await client.subscribe(PlanGeneratedV1, `obs-plan-${run}`, async (d) => {
      if (mine(d.payload)) plans.push(d.payload);
    });
    await client.subscribe(PlanGeneratedV2, `obs-plan-changed-${run}`, async (d) => {
      if (mine(d.payload)) plans.push(d.payload);
    });
    await client.subscribe(PlanRejectedV1, `obs-rejected-${run}`, async (d) => {
      if (mine(d.payload)) rejected.push(d.payload);
    });
  }, 60_000);
  afterAll(async () => {
    await services?.stop();
    await raw?.close();
  });

  const submit = (jobId: string, body: string) =>
    client.publish(
      IngestionSubmitBlueprintV1,
      {
        jobId,
        projectId,
        title: 'Shop',
        name: 'shop.md',
        format: 'markdown',
        text: body,
        requestedBy: { kind: 'system', id: 'provenance-test' },
      },
      { correlationId: jobId },
    );

  it('refuses a forged blueprint.ingested v9999 (dead letter, warning) and plans the next genuine version', async () => {
    await submit(`job-1-${run}`, text(''));
    await eventually(() => expect(plans.map((p) => p.blueprintVersion)).toEqual([1]), { timeoutMs: 30_000 });

    // A copy of the genuine event at version 9999, under its own id, from a raw client.
    const genuine = ingested[0]!;
    const forgedId = `forged-${run}`;
    const forged = { ...genuine, id: forgedId, source: 'intruder', data: { ...genuine.data, version: 9999 } };
    await jetstream(raw).publish(BlueprintIngestedV1.subject, JSON.stringify(forged), { msgID: forgedId });

    await submit(`job-2-${run}`, text('- and the checkout\n'));
    await eventually(() => expect(plans.map((p) => p.blueprintVersion)).toEqual([1, 2]), {
      timeoutMs: 30_000,
    });
    expect(rejected).toEqual([]);

    const letters = await eventually(async () => {
      const all = await client.listDeadLetters({ consumer: 'planner-blueprint-ingested' });
      const mine = all.filter((l) => (l.message as { id?: string }).id === forgedId);
      expect(mine).toHaveLength(1);
      return mine;
    });
    expect(letters[0]).toMatchObject({
      code: 'PROVENANCE_WRONG_SOURCE',
      subject: BlueprintIngestedV1.subject,
    });
    expect(letters[0]!.reason).toContain('source "intruder" is not "ingestion"');
    await eventually(() =>
      expect(planner.lines).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          envelopeId: forgedId,
          subject: BlueprintIngestedV1.subject,
          claimedSource: 'intruder',
          expectedSource: 'ingestion',
        }),
      ),
    );
  }, 90_000);

  it('ends the job of a submit_blueprint too large to fetch (200 MB by its claim check) with a failure event', async () => {
    const jobId = `job-huge-${run}`;
    const failed: IngestionProgressV1[] = [];
    await client.subscribe(IngestionProgressV1, `obs-progress-${run}`, async (d) => {
      if (d.payload.jobId === jobId && d.payload.phase === 'failed') failed.push(d.payload);
    });
    // A stub as the bus writes one (its body the envelope's head) for a body never stored: were it
    // fetched, the letter would say BUS_PAYLOAD_MISSING.
    const headers = natsHeaders();
    headers.set('Ap-Payload', `AP_PAYLOADS/never-stored-${run}`);
    headers.set('Ap-Payload-Bytes', String(200_000_000));
    const head = {
      id: `huge-${run}`,
      type: IngestionSubmitBlueprintV1.type,
      source: 'gateway',
      time: new Date(0).toISOString(),
      subject: IngestionSubmitBlueprintV1.subject,
      projectId,
      correlationId: jobId,
    };
    await jetstream(raw).publish(IngestionSubmitBlueprintV1.subject, JSON.stringify(head), {
      msgID: head.id,
      headers,
    });
    await eventually(() => expect(failed).toHaveLength(1), { timeoutMs: 30_000 });
    expect(failed[0]).toMatchObject({
      projectId,
      jobKind: 'blueprint',
      error: { code: 'BUS_PAYLOAD_TOO_LARGE' },
    });
    expect(failed[0]!.error!.message).toContain('200000000 bytes');
  }, 60_000);
});
