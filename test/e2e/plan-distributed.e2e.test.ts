import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type DeadLetter, type Delivery } from '@autopilot/bus';
import { connectJetStreamBus, type JetStreamMessageBus } from '@autopilot/bus/jetstream';
import {
  BlueprintIngestedV1,
  BlueprintIngestedV2,
  IngestionProgressV1,
  IngestionSubmitBlueprintV1,
  PlanGeneratedV1,
  PlanRejectedV1,
  TasksGeneratedV1,
} from '@autopilot/contracts';
import { readBlueprintSource, submitBlueprintCommand } from '@autopilot/ingestion';
import { eventually, startNatsServer, type NatsServerHandle } from '@autopilot/testing';
import { Objm } from '@nats-io/obj';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CliProcess, ensureBuilt } from './cli-process';
import { diagnostics, stopProcess, waitUntilReady } from './service-process';
import { realHeadings } from './plan-fixtures';

/**
 * The local cluster topology (DESIGN.md section 1) end to end, with messages larger than NATS's
 * default 1 MiB `max_payload`: `autopilot service ingestion` and `autopilot service planner` run as
 * their own processes on a real nats-server, each with its own SQLite file, and a 2–3 MB blueprint
 * must come out as `plan.generated` and `tasks.generated`. Every message on the way (the submit
 * command, `blueprint.ingested`, both results) is too large for one NATS message, so it only works
 * when the JetStream bus claim-checks bodies into the AP_PAYLOADS object store.
 */

const MIB = 1024 * 1024;
/** NATS's default `max_payload`: what this test relies on its own server to have. */
const DEFAULT_MAX_PAYLOAD = MIB;
/** The bus's payload bucket (packages/bus/src/jetstream/payload-store.ts; not exported on purpose). */
const PAYLOADS_BUCKET = 'AP_PAYLOADS';
/** Generous: planning a few thousand stories takes seconds; a CI machine may be much slower. */
const PLANNED_WITHIN_MS = 90_000;

const PHASES = 28;
const STORIES_PER_PHASE = 150;
const FILLER =
  'The service keeps every record it accepts and answers each request with the state it holds now, ' +
  'so that a retry never changes the outcome and the team can trace any change back to its cause. ' +
  'Operators read the same numbers the service acts on, and nothing that was acknowledged is lost.';

/**
 * A blueprint of 28 phases × 150 stories (~2.4 MB): headings, body text, a stated dependency on the
 * previous story, acceptance criteria, and a code fence whose `# not a heading` line must not become
 * a node. No document title (`# ...`), so every real heading is a plan node.
 */
function largeBlueprint(): string {
  const out: string[] = [];
  for (let p = 1; p <= PHASES; p++) {
    out.push(`## Phase ${p}: Stage ${p}\n\n${FILLER}\n\n`);
    for (let s = 1; s <= STORIES_PER_PHASE; s++) {
      const id = `${p}.${s}`;
      out.push(`### Story ${id}: Work item ${id}\n\n`);
      out.push(`${FILLER} The change lives in \`src/phase-${p}/story-${s}.ts\`.\n\n`);
      if (s > 1) out.push(`Depends on Story ${p}.${s - 1}.\n\n`);
      out.push(
        'Acceptance criteria:\n',
        `- [ ] \`src/phase-${p}/story-${s}.test.ts\` passes\n`,
        `- [ ] a record written by story ${id} survives a restart of the service\n\n`,
      );
      out.push('```bash\n', `# not a heading ${id}\n`, 'npm test\n', '```\n\n');
    }
  }
  return out.join('');
}

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** What the test saw on the bus for its job, with each message's envelope id (its object name prefix). */
interface Seen {
  ingested?: { id: string; bytes: number };
  plan?: { id: string; payload: PlanGeneratedV1; bytes: number };
  tasks?: { id: string; payload: TasksGeneratedV1; bytes: number };
  rejected?: PlanRejectedV1;
  ingestionFailed?: IngestionProgressV1;
}

/**
 * Subscribes the test's own durable consumers, recording only the events of `jobId` (every event a
 * job causes carries it as correlation id). Must run before the submit, so nothing can be missed.
 */
async function watchJob(bus: JetStreamMessageBus, jobId: string, seen: Seen): Promise<void> {
  const ofJob =
    <P>(record: (d: Delivery<P>) => void) =>
    async (d: Delivery<P>): Promise<void> => {
      if (d.envelope.correlationId === jobId) record(d);
    };
  await bus.subscribe(
    BlueprintIngestedV1,
    'e2e-distributed-blueprint-ingested',
    ofJob((d) => (seen.ingested = { id: d.id, bytes: jsonBytes(d.payload) })),
  );
  await bus.subscribe(
    PlanGeneratedV1,
    'e2e-distributed-plan-generated',
    ofJob((d) => (seen.plan = { id: d.id, payload: d.payload, bytes: jsonBytes(d.payload) })),
  );
  await bus.subscribe(
    TasksGeneratedV1,
    'e2e-distributed-tasks-generated',
    ofJob((d) => (seen.tasks = { id: d.id, payload: d.payload, bytes: jsonBytes(d.payload) })),
  );
  await bus.subscribe(
    PlanRejectedV1,
    'e2e-distributed-plan-rejected',
    ofJob((d) => (seen.rejected = d.payload)),
  );
  await bus.subscribe(
    IngestionProgressV1,
    'e2e-distributed-ingestion-progress',
    ofJob((d) => {
      if (d.payload.phase === 'failed') seen.ingestionFailed = d.payload;
    }),
  );
}

describe('local cluster topology: a blueprint larger than max_payload through real services', () => {
  // Always its own server, even when NATS_URL is set: the test is about the default 1 MiB
  // max_payload, and a shared server may be configured with a larger one.
  let nats: NatsServerHandle | undefined;
  let plain: NatsConnection | undefined;
  let bus: JetStreamMessageBus | undefined;
  const services = new Map<string, CliProcess>();
  const busLog: string[] = [];
  let dir: string | undefined;

  const explain = (): string =>
    [...services].map(([name, cli]) => diagnostics(name, cli)).join('\n') +
    (busLog.length > 0 ? `\n--- test bus\n${busLog.slice(-20).join('\n')}` : '');

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ap-e2e-distributed-'));
    nats = await startNatsServer();
    const env = { NATS_URL: nats.url, AUTOPILOT_DIR: join(dir, 'state') };
    // One at a time, so a failure to start names the service; the planner's stream consumers
    // exist before anything is submitted.
    for (const name of ['ingestion', 'planner']) {
      const cli = new CliProcess(['service', name, '--port', '0'], env);
      services.set(name, cli);
      try {
        await waitUntilReady(cli, name);
      } catch (err) {
        throw new Error(`service ${name} did not become ready:\n${explain()}`, { cause: err });
      }
    }
    plain = await connect({ servers: nats.url, name: 'e2e-distributed-inspect' });
    bus = await connectJetStreamBus({
      servers: nats.url,
      source: 'gateway', // it sends the gateway's commands, which services take only from it
      log: (level, msg, fields) => busLog.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`),
    });
  }, 300_000);

  afterAll(async () => {
    await bus?.close();
    await plain?.close();
    const exits = new Map<string, Awaited<ReturnType<typeof stopProcess>>>();
    for (const [name, cli] of services) exits.set(name, await stopProcess(cli));
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    for (const [name, exit] of exits) {
      const stopped = services.get(name)!.lines.some((l) => l.msg === 'stopped');
      if (exit.code !== 0 || !stopped) {
        throw new Error(
          `service ${name} did not stop cleanly on SIGTERM (exit ${JSON.stringify(exit)}, "stopped" logged: ${stopped})\n${explain()}`,
        );
      }
    }
  }, 60_000);

  it('plans a ~2.4 MB blueprint: every message claim-checked, one node per real heading, tasks with dependencies', async () => {
    const text = largeBlueprint();
    const file = join(dir!, 'large-plan.md');
    writeFileSync(file, text);
    const source = await readBlueprintSource(file);

    // The premise: the server keeps NATS's default limit, and the command alone is past it.
    expect(plain!.info?.max_payload).toBe(DEFAULT_MAX_PAYLOAD);
    const jobId = `e2e-distributed-${process.pid}`;
    const command = submitBlueprintCommand(source, {
      jobId,
      projectId: 'e2e-distributed',
      requestedBy: { kind: 'system', id: 'e2e-test' },
    });
    expect(jsonBytes(command)).toBeGreaterThan(2 * MIB);

    const seen: Seen = {};
    await watchJob(bus!, jobId, seen);
    const submitted = await bus!.publish(IngestionSubmitBlueprintV1, command, { correlationId: jobId });

    const { plan, tasks } = await waitForPlan({ bus: bus!, seen, services, explain });

    // Each message was larger than one NATS message may be: they can only have travelled by claim check.
    expect(seen.ingested!.bytes).toBeGreaterThan(MIB);
    expect(plan.bytes).toBeGreaterThan(MIB);
    expect(tasks.bytes).toBeGreaterThan(MIB);

    // One plan node per real heading, none from the `# not a heading` lines inside code fences.
    const headings = realHeadings(source.text);
    expect(headings).toHaveLength(PHASES * (1 + STORIES_PER_PHASE));
    const titles = plan.payload.nodes.map((n) => n.title);
    expect(titles.filter((t) => /not a heading/.test(t))).toEqual([]);
    expect(headingDiff(headings, titles)).toEqual({ count: headings.length, missing: [], extra: [] });

    // The task graph of that very plan revision, with the stated dependencies.
    expect(tasks.payload).toMatchObject({
      planId: plan.payload.planId,
      planRevision: plan.payload.revision,
      blueprintVersion: plan.payload.blueprintVersion,
    });
    expect(tasks.payload.tasks.some((t) => t.dependsOn.length > 0)).toBe(true);
    const taskByTitle = new Map(tasks.payload.tasks.map((t) => [t.title, t]));
    expect(taskByTitle.get('Story 3.2: Work item 3.2')?.dependsOn).toContain(
      taskByTitle.get('Story 3.1: Work item 3.1')?.id,
    );

    // The bodies are in the payload bucket, under each message's envelope id.
    const objects = await payloadObjects(plain!);
    for (const [what, id] of [
      ['cmd.ingestion.submit_blueprint', submitted.id],
      ['blueprint.ingested', seen.ingested!.id],
      ['plan.generated', plan.id],
      ['tasks.generated', tasks.id],
    ] as const) {
      const object = objects.find((o) => o.name.startsWith(`${id}/`));
      expect({ what, stored: object !== undefined && object.size > MIB }).toEqual({ what, stored: true });
    }
  }, 180_000);
  it('re-plans an edit after the planner restarted: the change it cannot apply is answered with the version whole', async () => {
    // Ingestion announced version 1 above and holds its parse: version 2 travels as a change to it.
    // The planner restarts first, so it holds no version and must ask for version 2 whole.
    const planner = services.get('planner')!;
    const stopped = await stopProcess(planner);
    expect(stopped.code).toBe(0);
    const restarted = new CliProcess(['service', 'planner', '--port', '0'], {
      NATS_URL: nats!.url,
      AUTOPILOT_DIR: join(dir!, 'state'),
    });
    services.set('planner', restarted);
    await waitUntilReady(restarted, 'planner');

    const text = largeBlueprint().replace('Work item 14.75', 'Work item 14.75, reworded');
    const file = join(dir!, 'large-plan.md');
    writeFileSync(file, text);
    const jobId = `e2e-distributed-edit-${process.pid}`;
    const command = submitBlueprintCommand(await readBlueprintSource(file), {
      jobId,
      projectId: 'e2e-distributed',
      requestedBy: { kind: 'system', id: 'e2e-test' },
    });
    const changes: number[] = [];
    const wholes: number[] = [];
    const plans: PlanGeneratedV1[] = [];
    const ofJob =
      <P>(record: (d: Delivery<P>) => void) =>
      async (d: Delivery<P>): Promise<void> => {
        if (d.envelope.correlationId === jobId) record(d);
      };
    await bus!.subscribe(
      BlueprintIngestedV2,
      'e2e-distributed-edit-changed',
      ofJob((d) => changes.push(jsonBytes(d.payload))),
    );
    await bus!.subscribe(
      BlueprintIngestedV1,
      'e2e-distributed-edit-whole',
      ofJob((d) => wholes.push(d.payload.version)),
    );
    await bus!.subscribe(
      PlanGeneratedV1,
      'e2e-distributed-edit-plan',
      ofJob((d) => plans.push(d.payload)),
    );
    await bus!.publish(IngestionSubmitBlueprintV1, command, { correlationId: jobId });

    await eventually(() => expect(plans).toHaveLength(1), { timeoutMs: PLANNED_WITHIN_MS }).catch(
      (err: unknown) => {
        throw new Error(`${(err as Error).message}\n${explain()}`, { cause: err });
      },
    );
    expect(plans[0]).toMatchObject({ revision: 2, blueprintVersion: 2 });
    // Version 2 went out as a change of a few kilobytes (the whole version is ~2.4 MB of text)...
    expect(changes).toHaveLength(1);
    expect(changes[0]).toBeLessThan(64 * 1024);
    // ...which the restarted planner could not apply: it asked (ingestion announces a version it told
    // as a change whole only when asked), and planned the version announced whole.
    expect(wholes).toEqual([2]);
    expect(await bus!.listDeadLetters()).toEqual([]);
  }, 240_000);

  it('ends a blueprint that cannot be planned in plan.rejected, an acked event: nothing is dead-lettered', async () => {
    const jobId = `e2e-distributed-rejected-${process.pid}`;
    const rejected: PlanRejectedV1[] = [];
    await bus!.subscribe(PlanRejectedV1, 'e2e-distributed-rejected-only', async (d) => {
      if (d.envelope.correlationId === jobId) rejected.push(d.payload);
    });
    await bus!.publish(
      IngestionSubmitBlueprintV1,
      {
        jobId,
        projectId: 'e2e-distributed-rejected',
        title: 'Broken',
        name: 'broken.md',
        format: 'markdown',
        text: '## Story 1: Login\n\nDepends on Story 9.\n\n- Add `src/login.ts`\n',
        requestedBy: { kind: 'system', id: 'e2e-test' },
      },
      { correlationId: jobId },
    );
    await eventually(() => expect(rejected).toHaveLength(1), { timeoutMs: 30_000 });
    expect(rejected[0]!.error.code).toBe('PLANNER_MISSING_DEPENDENCY');
    expect(rejected[0]!.error.message).toContain('Story 9');
    // The planner settled the message (acked, nothing pending or awaiting an ack), and the
    // dead-letter stream holds nothing: a rejection is an outcome, not a poison message.
    const jsm = await jetstreamManager(plain!);
    await eventually(async () => {
      const info = await jsm.consumers.info('AP_EVENTS', 'planner-blueprint-ingested');
      expect({ pending: info.num_pending, unacked: info.num_ack_pending }).toEqual({
        pending: 0,
        unacked: 0,
      });
    });
    expect(await bus!.listDeadLetters()).toEqual([]);
  }, 60_000);
});

/**
 * Waits for `plan.generated` and `tasks.generated` of the job, failing at once (not at the timeout)
 * when ingestion failed the job, the planner rejected it, something was dead-lettered or a service
 * process died, with the services' stderr in the message.
 */
async function waitForPlan({
  bus,
  seen,
  services,
  explain,
}: {
  bus: JetStreamMessageBus;
  seen: Seen;
  services: ReadonlyMap<string, CliProcess>;
  explain: () => string;
}): Promise<{ plan: NonNullable<Seen['plan']>; tasks: NonNullable<Seen['tasks']> }> {
  let outcome: { failure: string } | { plan: NonNullable<Seen['plan']>; tasks: NonNullable<Seen['tasks']> };
  try {
    outcome = await eventually(
      async () => {
        const failure = await whyItFailed(bus, seen, services);
        if (failure !== undefined) return { failure };
        const { plan, tasks } = seen;
        if (
          plan === undefined ||
          tasks === undefined ||
          tasks.payload.planRevision !== plan.payload.revision
        ) {
          throw new Error(
            `no plan.generated and tasks.generated of one revision within ${PLANNED_WITHIN_MS} ms ` +
              `(ingested: ${seen.ingested !== undefined}, plan: ${plan !== undefined}, tasks: ${tasks !== undefined})`,
          );
        }
        return { plan, tasks };
      },
      { timeoutMs: PLANNED_WITHIN_MS, intervalMs: 250 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${explain()}`, { cause: err });
  }
  if ('failure' in outcome) throw new Error(`${outcome.failure}\n${explain()}`);
  return outcome;
}

/** Why the job can no longer succeed, if it cannot. */
async function whyItFailed(
  bus: JetStreamMessageBus,
  seen: Seen,
  services: ReadonlyMap<string, CliProcess>,
): Promise<string | undefined> {
  for (const [name, cli] of services) {
    const exit = cli.child.exitCode ?? cli.child.signalCode;
    if (exit !== null) return `service ${name} exited (${exit}) while the job was running`;
  }
  if (seen.ingestionFailed) {
    return `ingestion failed the job: ${JSON.stringify(seen.ingestionFailed.error)}`;
  }
  if (seen.rejected) return `the planner rejected the blueprint: ${JSON.stringify(seen.rejected.error)}`;
  // This server is the test's own: any dead letter at all is this job's.
  const letters: DeadLetter[] = await bus.listDeadLetters();
  if (letters.length > 0) {
    const described = letters.map((l) => `${l.consumer} gave up on ${l.subject}: ${l.reason}`);
    return `dead-lettered:\n${described.join('\n')}`;
  }
  return undefined;
}

/** Names and sizes of the objects in the payload bucket, read on a plain connection (not the bus). */
async function payloadObjects(nc: NatsConnection): Promise<{ name: string; size: number }[]> {
  const bucket = await new Objm(nc).open(PAYLOADS_BUCKET);
  return (await bucket.list()).map((o) => ({ name: o.name, size: o.size }));
}

/** How a node list differs from the headings: the first few of each side's extras. */
function headingDiff(
  headings: readonly string[],
  titles: readonly string[],
): { count: number; missing: string[]; extra: string[] } {
  const titleSet = new Set(titles);
  const headingSet = new Set(headings);
  return {
    count: titles.length,
    missing: headings.filter((h) => !titleSet.has(h)).slice(0, 10),
    extra: titles.filter((t) => !headingSet.has(t)).slice(0, 10),
  };
}
