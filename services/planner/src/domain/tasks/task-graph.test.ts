import { seededRandom } from '@autopilot/testing';
import { editedPlan, generatedPlan } from '../../testing/edited-plans';
import { markdownBlueprint } from '../../testing/markdown-blueprint';
import { SHOP_PLAN } from '../../testing/sample-plans';
import { planFromSections } from '../plan/plan-from-sections';
import type { PlanGraph } from '../plan/plan-graph';
import { sameAsPrevious } from '../plan/plan-reuse';
import { withSourceLines } from '../plan/plan-source-lines';
import { DependencyCycleError } from './task-errors';
import { GATE_FANIN, tasksFromPlan, validationOf, type TaskGraph } from './task-graph';

const graphOf = (markdown: string) => {
  const plan = planFromSections(markdownBlueprint(markdown));
  return { plan, graph: tasksFromPlan(plan) };
};

describe('tasksFromPlan on a realistic planning document', () => {
  const { plan, graph } = graphOf(SHOP_PLAN);
  const task = (title: string) => {
    const found = graph.tasks.find((t) => t.title === title);
    if (!found) throw new Error(`no task "${title}"`);
    return found;
  };
  const titles = (ids: readonly string[]) => ids.map((id) => graph.tasks.find((t) => t.id === id)?.title);

  it('makes one task per task_spec node, linked both ways', () => {
    const specs = plan.nodes.filter((n) => n.kind === 'task_spec');
    expect(graph.tasks).toHaveLength(specs.length);
    for (const t of graph.tasks) {
      expect(graph.taskIdsByNode.get(t.planNodeId)).toEqual([t.id]);
      expect(specs.map((n) => n.id)).toContain(t.planNodeId);
    }
  });

  it('inherits dependencies from ancestors and lists dependencies first', () => {
    expect(titles(task('Story 1.1: Project skeleton').dependsOn)).toEqual([]);
    expect(titles(task('Story 1.2: User model').dependsOn)).toEqual(['Story 1.1: Project skeleton']);
    // Phase 2 depends on phase 1, so every task under it waits for all of phase 1.
    expect(titles(task('Story 2.3: Docs').dependsOn)).toEqual([
      'Story 1.1: Project skeleton',
      'Story 1.2: User model',
    ]);
    expect(titles(task('Story 2.2: Receipts').dependsOn)).toEqual([
      'Story 1.1: Project skeleton',
      'Story 1.2: User model',
      'Story 2.1: Card payments',
    ]);
    const position = new Map(graph.tasks.map((t, i) => [t.id, i]));
    for (const t of graph.tasks)
      for (const d of t.dependsOn) expect(position.get(d)!).toBeLessThan(position.get(t.id)!);
  });

  it('carries scope, validation, kind, risk and an estimate', () => {
    expect(task('Story 1.1: Project skeleton')).toMatchObject({
      kind: 'code',
      scopePaths: ['packages/core/**', 'package.json'],
      // `npm ci` installs; it checks nothing (issue 17 item 4), so it is not a validation command.
      validationCommands: [
        ['npm', 'run', 'build'],
        ['npm', 'test'],
      ],
      risk: 'low',
    });
    expect(task('Story 2.3: Docs')).toMatchObject({
      kind: 'docs',
      scopePaths: ['README.md', 'docs/checkout.md'],
    });
    expect(task('Story 3.1: Load test').kind).toBe('test');
    // No commands: the acceptance criteria are the checks.
    expect(validationOf(task('Story 1.2: User model'))).toEqual([
      'check: Given a new user, When it is saved, Then it gets an id',
      'check: Emails are unique',
    ]);
    expect(task('Story 1.2: User model').priority).toBe(0);
    expect(task('Story 2.1: Card payments').priority).toBe(100);
    for (const t of graph.tasks) expect(t.estimateUsd).toBeGreaterThan(0);
  });

  it('is deterministic: two runs give byte-identical JSON', () => {
    expect(JSON.stringify(graphOf(SHOP_PLAN).graph.tasks)).toBe(JSON.stringify(graph.tasks));
  });
});

describe('tasksFromPlan dependencies', () => {
  it('rejects a cycle, naming it in order with titles and ids', () => {
    const markdown = [
      '## Story 1: Alpha',
      'Depends on Story 3. Build `a.ts`.',
      '## Story 2: Beta',
      'Depends on Story 1. Build `b.ts`.',
      '## Story 3: Gamma',
      'Depends on Story 2. Build `c.ts`.',
      '## Story 4: Delta',
      'Build `d.ts`.',
    ].join('\n');
    const plan = planFromSections(markdownBlueprint(markdown));
    let error: unknown;
    try {
      tasksFromPlan(plan);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DependencyCycleError);
    const cycle = (error as DependencyCycleError).cycle;
    expect(cycle.map((m) => m.title)).toEqual(['Story 1: Alpha', 'Story 3: Gamma', 'Story 2: Beta']);
    const [a, c, b] = cycle;
    expect((error as Error).message).toBe(
      `dependency cycle (each depends on the next): Story 1: Alpha (${a!.taskId}) → Story 3: Gamma (${c!.taskId}) → ` +
        `Story 2: Beta (${b!.taskId}) → Story 1: Alpha (${a!.taskId})`,
    );
  });

  it('puts a gate between a large phase and the phase after it, keeping edges linear', () => {
    const stories = (phase: number, count: number) =>
      Array.from(
        { length: count },
        (_, k) => `### Story ${phase}.${k + 1}: Part ${k + 1}\nBuild \`src/p${phase}/${k}.ts\`.`,
      );
    const { graph } = graphOf(
      ['## Phase 1: Base', ...stories(1, GATE_FANIN + 5), '## Phase 2: Top', ...stories(2, 3)].join('\n'),
    );
    const gate = graph.tasks.find((t) => t.gate === true)!;
    expect(gate.title).toBe('Checkpoint: Phase 1: Base complete');
    expect(gate.dependsOn).toHaveLength(GATE_FANIN + 5);
    for (const t of graph.tasks.filter((x) => x.title.startsWith('Story 2.')))
      expect(t.dependsOn).toEqual([gate.id]);
    // The gate links back to the phase node too.
    expect(graph.taskIdsByNode.get(gate.planNodeId)).toEqual([gate.id]);
  });

  it('builds a 26k-node plan without deep recursion', () => {
    // 4 phases x 50 epics x 130 stories: one long dependency chain through every story, and phase
    // order across 6,500-task phases (part gates, so no task lists more than 500 dependencies).
    const lines: string[] = ['# Big plan'];
    let previous: string | undefined;
    for (let p = 1; p <= 4; p++) {
      lines.push(`## Phase ${p}: Stage ${p}`);
      for (let e = 1; e <= 50; e++) {
        lines.push(`### Epic ${p}.${e}: Area ${e}`);
        for (let s = 1; s <= 130; s++) {
          const number = `${p}.${e}.${s}`;
          lines.push(`#### Story ${number}: Item ${number}`, `Add \`src/${p}/${e}/${s}.ts\`.`);
          if (previous) lines.push(`Depends on Story ${previous}.`);
          previous = number;
        }
      }
    }
    const plan = planFromSections(markdownBlueprint(lines.join('\n')));
    expect(plan.nodes).toHaveLength(4 + 200 + 26_000);
    const graph = tasksFromPlan(plan);
    const real = graph.tasks.filter((t) => !t.gate);
    expect(real).toHaveLength(26_000);
    const position = new Map(graph.tasks.map((t, i) => [t.id, i]));
    // Plain checks collected, one expect: 26k expect() calls would dominate the test's time.
    const wrong = graph.tasks.filter(
      (t) => t.dependsOn.length > 500 || t.dependsOn.some((d) => !(position.get(d)! < position.get(t.id)!)),
    );
    expect(wrong).toEqual([]);
    expect(graph.tasks.filter((t) => t.gate === true).length).toBeGreaterThan(0);
    expect(real[0]!.title).toBe('Story 1.1.1: Item 1.1.1');
    expect(real[real.length - 1]!.title).toBe('Story 4.50.130: Item 4.50.130');
  });
});

describe('tasksFromPlan: tasks a person could act on (issue 17)', () => {
  it('gives generic headings their parent title and tells same-titled tasks apart', () => {
    const { graph } = graphOf(
      [
        '# Plan',
        '## Story 1: Login',
        '### Backend',
        'Add `src/login.ts`.',
        '### Tests',
        'Add `test/login.test.ts`.',
        '## Story 2: Signup',
        '### Backend',
        'Add `src/signup.ts`.',
      ].join('\n'),
    );
    expect(graph.tasks.map((t) => t.title)).toEqual([
      'Story 1: Login — Backend',
      'Story 1: Login — Tests',
      'Story 2: Signup — Backend',
    ]);
  });

  it('validates only with commands that check, and says where the task is and why its priority and risk', () => {
    const { graph } = graphOf(
      [
        '## Task: Build it',
        'Run `npm install -D typescript`, then `npm run build` and `npx tsc --noEmit`; also `jest` and `git clone --local x`.',
        'Deletes the old table. Priority: P0',
      ].join('\n'),
    );
    const [task] = graph.tasks;
    expect(task!.validationCommands).toEqual([
      ['npm', 'run', 'build'],
      ['npx', 'tsc', '--noEmit'],
    ]);
    expect(task!.description).toContain('Deletes the old table.');
    expect(task!.why).toEqual({
      priority: 'the section states must (P0); 1st among its siblings',
      risk: 'high: it mentions data deletion',
    });
  });

  it('keeps a task the same work when lines are added above it: its lines are in `source`, not its text', () => {
    const plan = (intro: string) => {
      const blueprint = markdownBlueprint(
        [
          '# Shop',
          intro,
          '## Story 1: Cart',
          'Add `src/cart.ts`.',
          '## Story 2: Checkout',
          'After Story 1, add `src/checkout.ts`.',
        ].join('\n'),
      );
      return tasksFromPlan(withSourceLines(planFromSections(blueprint), blueprint)).tasks;
    };
    const before = plan('Sell things.');
    const after = plan('Sell things.\n\nOnline, from a small catalogue.\nTo people who order twice.');
    expect(after.map((t) => t.description)).toEqual(before.map((t) => t.description));
    expect(after.map((t) => t.description)).toEqual([
      expect.stringMatching(/^From the blueprint: Story 1: Cart\.\n/),
      expect.stringMatching(/^From the blueprint: Story 2: Checkout\.\n/),
    ]);
    expect(
      after.map((t) => t.source!.startLine - before.find((b) => b.id === t.id)!.source!.startLine),
    ).toEqual([3, 3]);
  });
});

describe('tasksFromPlan reusing the previous planning', () => {
  it('gives the tasks planning from scratch gives, over seeded random edits', () => {
    let outlineKept = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rand = seededRandom(seed);
      let text = generatedPlan(rand);
      let plan = linedPlan(text);
      let graph = tasksFromPlan(plan);
      for (let step = 0; step < 6; step++) {
        text = editedPlan(text, rand);
        const next = linedPlan(text);
        const byId = new Map(plan.nodes.map((n) => [n.id, n] as const));
        const same = sameAsPrevious(next.nodes, (i) => byId.get(next.nodes[i]!.id));
        const tasksById = new Map(graph.tasks.map((t) => [t.id, t] as const));
        const previous = {
          nodeOf: (id: string) => byId.get(id),
          taskOf: (id: string) => tasksById.get(id),
          same,
          nodes: plan.nodes,
          graph,
        };
        const reusing = tasksFromPlan(next, previous);
        const scratch = tasksFromPlan(next);
        const context = `seed ${seed}, edit ${step}`;
        expect({ context, tasks: JSON.stringify(reusing.tasks) }).toEqual({
          context,
          tasks: JSON.stringify(scratch.tasks),
        });
        expect([...reusing.taskIdsByNode]).toEqual([...scratch.taskIdsByNode]);
        // The outline the next planning reads again is the one indexing these nodes gives.
        const outline = (g: TaskGraph) => ({
          ...g.outline,
          indexOf: [...(g.outline?.indexOf ?? [])],
        });
        expect(outline(reusing)).toEqual(outline(scratch));
        if (reusing.taskIdsByNode === graph.taskIdsByNode) outlineKept++;
        plan = next;
        graph = reusing;
      }
    }
    // The outline path (the previous tasks in their order) ran, often.
    expect(outlineKept).toBeGreaterThan(60);
  });

  it("makes a gate again when its node's priority changes, and keeps it otherwise", () => {
    const stories = Array.from(
      { length: GATE_FANIN + 2 },
      (_, k) => `### Story 1.${k + 1}: Part ${k + 1}\n\nBuild part ${k + 1}.\n`,
    );
    const text = `# Plan\n\n## Phase 1: Build\n\nThe parts.\n\n${stories.join('\n')}\n## Phase 2: Ship\n\nShip it.\n`;
    const plan = linedPlan(text);
    const graph = tasksFromPlan(plan);
    const gate = graph.tasks.find((t) => t.gate === true)!;
    expect(gate.title).toBe('Checkpoint: Phase 1: Build complete');
    for (const edit of ['The parts, all of them.', 'Priority: P0']) {
      const next = linedPlan(text.replace('The parts.', edit));
      const byId = new Map(plan.nodes.map((n) => [n.id, n] as const));
      const tasksById = new Map(graph.tasks.map((t) => [t.id, t] as const));
      const reusing = tasksFromPlan(next, {
        nodeOf: (id) => byId.get(id),
        taskOf: (id) => tasksById.get(id),
        same: sameAsPrevious(next.nodes, (i) => byId.get(next.nodes[i]!.id)),
        nodes: plan.nodes,
        graph,
      });
      expect(reusing.taskIdsByNode).toBe(graph.taskIdsByNode);
      expect(JSON.stringify(reusing.tasks)).toBe(JSON.stringify(tasksFromPlan(next).tasks));
      const nextGate = reusing.tasks.find((t) => t.gate === true)!;
      if (edit.startsWith('Priority')) expect(nextGate.priority).not.toBe(gate.priority);
      else expect(nextGate).toBe(gate);
    }
  });
});

function linedPlan(text: string): PlanGraph {
  const blueprint = markdownBlueprint(text);
  return withSourceLines(planFromSections(blueprint), blueprint);
}
