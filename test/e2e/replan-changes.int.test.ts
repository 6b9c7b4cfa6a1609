import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InProcessMessageBus } from '@autopilot/bus/in-process';
import { PlanTopology, type PlannedBlueprint } from '@autopilot/cli';
import { PlanGeneratedV1, PlanGeneratedV2, TasksGeneratedV1, TasksGeneratedV2 } from '@autopilot/contracts';
import { readBlueprintSource } from '@autopilot/ingestion';
import { createLogger } from '@autopilot/runtime';
import { largeBlueprint } from '../fixtures/large-blueprint';

/**
 * A re-plan in a long-lived process (`autopilot start`, the bench) is announced as changes to the
 * revision before (`plan.generated` and `tasks.generated` v2), and what a consumer makes of them is
 * exactly the plan a new process makes from the edited blueprint alone.
 */
const logger = createLogger({ service: 'replan-changes', level: 'fatal', destination: process.stderr });

/** The type and body size of every plan and task graph event, in order. */
async function recordPlanEvents(bus: InProcessMessageBus, into: { type: string; bytes: number }[]) {
  for (const def of [PlanGeneratedV1, PlanGeneratedV2, TasksGeneratedV1, TasksGeneratedV2])
    await bus.subscribe(def, `replan-changes-${def.type.replace(/\./g, '-')}`, async (d) => {
      into.push({ type: d.envelope.type, bytes: JSON.stringify(d.envelope).length });
    });
}

/** Three lines added in the middle story of the middle phase: what follows moves by offset and line. */
function edited(text: string): string {
  const headings = [...text.matchAll(/^#### Story .*$/gm)];
  const middle = headings[Math.floor(headings.length / 2)]!;
  const at = middle.index + middle[0].length + 1;
  return `${text.slice(0, at)}\nA new paragraph,\nover three lines.\n${text.slice(at)}`;
}

const whole = (p: PlannedBlueprint) => JSON.stringify({ nodes: p.plan.nodes, tasks: p.tasks.tasks });

describe('re-planning in one process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ap-replan-changes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('announces the second revision as changes that give exactly what planning it from scratch gives', async () => {
    const v1 = largeBlueprint({ phases: 3 });
    const v2 = edited(v1);
    expect(v2).not.toBe(v1);
    const file = join(dir, 'platform.md');

    const events: { type: string; bytes: number }[] = [];
    const longLived = await PlanTopology.start({
      dir: join(dir, 'long-lived'),
      logger,
      outboxIntervalMs: 20,
      observe: (bus) => recordPlanEvents(bus, events),
    });
    let first: PlannedBlueprint;
    let second: PlannedBlueprint;
    try {
      writeFileSync(file, v1);
      first = await longLived.planBlueprint(await readBlueprintSource(file), 'proj-replan');
      writeFileSync(file, v2);
      second = await longLived.planBlueprint(await readBlueprintSource(file), 'proj-replan');
    } finally {
      await longLived.stop();
    }

    const fresh = await PlanTopology.start({ dir: join(dir, 'fresh'), logger, outboxIntervalMs: 20 });
    let scratch: PlannedBlueprint;
    try {
      scratch = await fresh.planBlueprint(await readBlueprintSource(file), 'proj-replan');
    } finally {
      await fresh.stop();
    }

    expect(second.plan.revision).toBe(2);
    expect(whole(second)).toBe(whole(scratch));
    expect(second.plan.anchor).toEqual(scratch.plan.anchor);
    // Much of the plan moved (kept runs with shifts), and one task changed (sent whole).
    const startOf = new Map(first.plan.nodes.map((n) => [n.id, n.start]));
    const moved = second.plan.nodes.filter((n) => startOf.has(n.id) && startOf.get(n.id) !== n.start);
    expect(moved.length).toBeGreaterThan(second.plan.nodes.length / 4);
    const types = events.map((e) => e.type).sort();
    expect(types).toEqual([
      'plan.generated.v1',
      'plan.generated.v2',
      'tasks.generated.v1',
      'tasks.generated.v2',
    ]);
    const size = (type: string) => events.find((e) => e.type === type)!.bytes;
    expect(size('plan.generated.v2')).toBeLessThan(size('plan.generated.v1') / 10);
    expect(size('tasks.generated.v2')).toBeLessThan(size('tasks.generated.v1') / 10);
  }, 120_000);
});
