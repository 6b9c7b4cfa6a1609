/// <reference types="jest" />
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectJetStreamBus, type JetStreamMessageBus } from '@autopilot/bus/jetstream';
import {
  IngestionSubmitBlueprintV1,
  TasksGeneratedV1,
  TasksGeneratedV2,
  TaskUpdatedV1,
} from '@autopilot/contracts';
import { readBlueprintSource, submitBlueprintCommand } from '@autopilot/ingestion';
import { eventually, startNatsServer, type NatsServerHandle } from '@autopilot/testing';
import { CliProcess, ensureBuilt } from '../e2e/cli-process';
import { diagnostics, explainingFailure, stopProcess, waitUntilReady } from '../e2e/service-process';

/**
 * A plan revision told as a change (`tasks.generated` v2) reaches a manager that does not hold the
 * revision it changes, because the manager was killed (SIGKILL) and restarted since: the manager
 * asks the planner for the revision whole (`cmd.planner.announce_plan`), the planner announces it
 * (`tasks.generated` v1), and the manager applies that. Before the kill, the same manager applies a
 * change to the revision it holds without asking. Ingestion, planner and manager run as their own
 * processes (`autopilot service …`) on a real nats-server (NATS_URL, else one of this test's own).
 */

/** Three phases of four stories; `renamed` adds a word to the titles of the stories it names. */
function blueprint(renamed: readonly string[]): string {
  const out = ['# Shop\n\nThe north star: every order is kept.\n\n'];
  for (let p = 1; p <= 3; p++) {
    out.push(`## Phase ${p}: Stage ${p}\n\nWhat stage ${p} delivers.\n\n`);
    for (let s = 1; s <= 4; s++) {
      const id = `${p}.${s}`;
      const title = renamed.includes(id) ? `Work item ${id} reworded` : `Work item ${id}`;
      out.push(`### Story ${id}: ${title}\n\nChange \`src/p${p}/s${s}.ts\`.\n\n`);
      out.push('Acceptance criteria:\n- [ ] tests pass\n\n');
    }
  }
  return out.join('');
}

describe('a manager restarted between two plan revisions', () => {
  let nats: NatsServerHandle | undefined;
  let dir: string | undefined;
  let client: JetStreamMessageBus | undefined;
  const processes = new Map<string, CliProcess>();
  const explain = (): string => [...processes].map(([name, cli]) => diagnostics(name, cli)).join('\n');

  afterAll(async () => {
    await client?.close();
    for (const cli of processes.values()) await stopProcess(cli);
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('asks for the revision it was told as a change to one it lost, and applies it whole', async () => {
    await explainingFailure(restartBetweenRevisions, explain);
  }, 240_000);

  async function restartBetweenRevisions(): Promise<void> {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ap-manager-restart-replan-'));
    if (!process.env.NATS_URL) nats = await startNatsServer();
    const url = process.env.NATS_URL ?? (nats as NatsServerHandle).url;
    const env = { NATS_URL: url, AUTOPILOT_DIR: join(dir, 'state') };
    const start = async (name: string, label = name): Promise<void> => {
      const cli = new CliProcess(['service', name, '--port', '0'], env);
      processes.set(label, cli);
      await waitUntilReady(cli, name);
    };
    for (const name of ['ingestion', 'planner', 'manager']) await start(name);

    const projectId = `restart-replan-${Date.now().toString(36)}`;
    client = await connectJetStreamBus({ servers: url, source: 'gateway', log: () => undefined });
    const graphs: { version: 1 | 2; revision: number }[] = [];
    const titles: string[] = [];
    const mine = (p: { projectId: string }) => p.projectId === projectId;
    await client.subscribe(TasksGeneratedV1, `restart-replan-whole-${projectId}`, async (d) => {
      if (mine(d.payload)) graphs.push({ version: 1, revision: d.payload.planRevision });
    });
    await client.subscribe(TasksGeneratedV2, `restart-replan-changed-${projectId}`, async (d) => {
      if (mine(d.payload)) graphs.push({ version: 2, revision: d.payload.planRevision });
    });
    await client.subscribe(TaskUpdatedV1, `restart-replan-task-${projectId}`, async (d) => {
      if (mine(d.payload)) titles.push(d.payload.title);
    });

    const file = join(dir, 'shop.md');
    const submit = async (renamed: readonly string[], n: number): Promise<void> => {
      writeFileSync(file, blueprint(renamed));
      const jobId = `${projectId}-job-${n}`;
      const command = submitBlueprintCommand(await readBlueprintSource(file), {
        jobId,
        projectId,
        requestedBy: { kind: 'system', id: 'restart-replan-test' },
      });
      await client!.publish(IngestionSubmitBlueprintV1, command, { correlationId: jobId });
    };
    const within = { timeoutMs: 60_000 };

    // Each consumer of the client records on its own: compared as sets, in (revision, version) order.
    const seen = () => [...graphs].sort((a, b) => a.revision - b.revision || a.version - b.version);
    const retitled = (title: string) => titles.some((t) => t.includes(title));

    // Revision 1, whole: the manager stores every task.
    await submit([], 1);
    await eventually(() => {
      expect(titles.filter((t) => t.includes('Work item 3.4'))).toHaveLength(1);
      expect(seen()).toEqual([{ version: 1, revision: 1 }]);
    }, within);

    // Revision 2, a change to revision 1, which this manager holds: applied without asking.
    await submit(['2.2'], 2);
    await eventually(() => {
      expect(retitled('Work item 2.2 reworded')).toBe(true);
      expect(seen()).toContainEqual({ version: 2, revision: 2 });
    }, within);

    // The manager dies and comes back with nothing in memory.
    const first = processes.get('manager')!;
    first.child.kill('SIGKILL');
    await first.exited;
    await start('manager', 'manager (restarted)');

    // Revision 3, a change to revision 2, which the restarted manager does not hold: it asks, the
    // planner announces revision 3 whole, and the manager applies that.
    await submit(['2.2', '3.3'], 3);
    await eventually(() => {
      expect(retitled('Work item 3.3 reworded')).toBe(true);
      expect(seen()).toContainEqual({ version: 1, revision: 3 });
      expect(seen()).toContainEqual({ version: 2, revision: 3 });
    }, within);
    // Revision 2 was never asked for whole; revision 3 once.
    expect(seen()).toEqual([
      { version: 1, revision: 1 },
      { version: 2, revision: 2 },
      { version: 1, revision: 3 },
      { version: 2, revision: 3 },
    ]);
    const letters = await client.listDeadLetters();
    expect(letters.filter((l) => JSON.stringify(l.message).includes(projectId))).toEqual([]);
  }
});
