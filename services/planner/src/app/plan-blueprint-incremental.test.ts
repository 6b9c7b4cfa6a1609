import type { BlueprintIngestedV1 } from '@autopilot/contracts';
import { FakeClock } from '@autopilot/testing';
import { StorePlanRepository } from '../adapters/plan-repository';
import { sameStoredNode } from '../adapters/plan-positions';
import { npmRepoScan } from '../domain/gaps/gap-fixtures.test-support';
import { planIdFor } from '../domain/plan/plan-ids';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { planDeps, plannerStoreFixture, type PlannerStoreFixture } from '../testing/plan-deps';
import { CheckPlansAgainstRepoUseCase } from './check-plans-against-repo';
import { planBlueprint, type PlanBlueprintDeps, type PlanBlueprintResult } from './plan-blueprint';
import { PlanningMemo } from './planning-memo';
import type { PlanRefiner, PlanRepository } from './ports';

/** A seeded generator, so a failure repeats. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const NAMES = [
  'Login page',
  'User model',
  'Card payments',
  'Receipts',
  'Docs',
  'Load test',
  'Go live',
  'Search',
];

/** A plan of numbered phases and stories with the facts the rules read: paths, commands, dependencies, checklists. */
function baseDocument(): string {
  const lines = ['# Platform plan', '', 'Context for the whole plan.', ''];
  for (let p = 1; p <= 3; p++) {
    lines.push(
      `## Phase ${p}: Part ${p}`,
      '',
      p === 2 ? 'The stories below run in order.' : 'Phase notes.',
      '',
    );
    for (let s = 1; s <= 4; s++) {
      const name = NAMES[(p * 4 + s) % NAMES.length]!;
      lines.push(`### Story ${p}.${s}: ${name} ${p}${s}`, '');
      lines.push(`Build it in \`src/part${p}/story${s}.ts\`.`, '');
      if (s > 1) lines.push(`Depends on: Story ${p}.${s - 1}`, '');
      if (s === 3) lines.push('- [ ] First item', '- [ ] Second item, after First item', '');
      if (s === 4) lines.push('```bash', 'npm test', '```', '', '#### Tests', '', 'Unit tests for it.', '');
      if ((p + s) % 3 === 0) lines.push('Priority: P1', '');
    }
  }
  return lines.join('\n');
}

/** Lines a text edit appends to a section. */
const SNIPPETS = [
  'Also update `src/extra/file.ts`.',
  'Run `npm run lint` to check.',
  'Priority: P0',
  'Risk: high',
  'Status: done',
  '- [ ] A new item',
  '- [x] A done item',
  'This touches auth and payments.',
  'after Story 1.2',
  'Depends on: Story 2.1',
  'Depends on: Story 3.4',
  'It runs after Login page 31 is live.',
  'Depends on: Story 9.9',
  'Acceptance criteria: the page loads',
  'Plain words that change nothing but the text.',
];

/** One random edit of `text`: a section's text, a heading, a section added or removed, a dependency... */
function edit(text: string, next: () => number): string {
  const lines = text.split('\n');
  const headings = lines.flatMap((l, i) => (/^#{1,4} /.test(l) ? [i] : []));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const at = pick(headings.slice(1));
  const end = headings.find((h) => h > at) ?? lines.length;
  switch (Math.floor(next() * 9)) {
    case 0:
    case 1:
      lines.splice(end, 0, pick(SNIPPETS), '');
      break;
    case 2: {
      // Rename a heading: another name, or another number.
      const heading = lines[at]!;
      lines[at] =
        next() < 0.5
          ? heading.replace(/: .*$/, `: ${pick(NAMES)} ${Math.floor(next() * 9)}`)
          : heading.replace(/(Story|Phase) (\d)/, (_m, w: string) => `${w} ${1 + Math.floor(next() * 4)}`);
      break;
    }
    case 3:
      lines.splice(
        end,
        0,
        `### Story 4.${Math.floor(next() * 9)}: ${pick(NAMES)} new`,
        '',
        pick(SNIPPETS),
        '',
      );
      break;
    case 4:
      // Remove a section's own text and heading (its subsections move up to its parent).
      lines.splice(at, end - at);
      break;
    case 5: {
      // Remove a dependency sentence, if there is one.
      const dependency = lines.findIndex((l, i) => i >= at && /^(Depends on:|after )/.test(l));
      if (dependency >= 0) lines.splice(dependency, 1);
      else lines.splice(end, 0, `after ${pick(NAMES)} 11`, '');
      break;
    }
    case 6:
      // Renumber a phase: numbered phases run in their numbers' order.
      for (let i = 0; i < lines.length; i++)
        if (/^## Phase \d/.test(lines[i]!) && next() < 0.4)
          lines[i] = lines[i]!.replace(/Phase \d/, `Phase ${1 + Math.floor(next() * 5)}`);
      break;
    case 7:
      // Words above everything: every position moves, nothing else changes.
      lines.splice(2, 0, 'One more line of context.', '');
      break;
    default:
      // A generic heading under a story: its task takes the story's title.
      lines.splice(end, 0, '#### Approach', '', 'Do it carefully.', '');
  }
  return lines.join('\n');
}

/**
 * The blueprint with ids that survive a renamed heading: by the heading's level word and number
 * ("Story 1.2") under its parent, not by its whole title. Ingestion keeps a section's id across
 * some renames; markdownBlueprint's ids follow the whole heading path, so a rename there is always
 * a new node too.
 */
function withStableIds(blueprint: BlueprintIngestedV1, previous?: BlueprintIngestedV1): BlueprintIngestedV1 {
  const ids = new Map<string, string>();
  const seen = new Map<string, number>();
  const sections = blueprint.sections.map((section) => {
    const parentId = section.parentId === undefined ? undefined : ids.get(section.parentId);
    const key = `${parentId ?? ''}/${section.title.replace(/:.*$/, '')}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    const id = `sec-${key}#${n}`;
    ids.set(section.id, id);
    return { ...section, id, ...(parentId !== undefined ? { parentId } : {}) };
  });
  const before = new Map((previous?.sections ?? []).map((s) => [s.id, s.hash]));
  return {
    ...blueprint,
    sections,
    changedSectionIds: sections.filter((s) => before.get(s.id) !== s.hash).map((s) => s.id),
  };
}

/** What must be the same whichever way a version was planned: the events' data (no time fields). */
function announced(result: PlanBlueprintResult): string {
  const { plan, tasks, rejection } = result;
  return JSON.stringify({
    outcome: result.outcome,
    plan: plan && { ...plan, generatedAt: undefined },
    tasks: tasks && { ...tasks, generatedAt: undefined },
    rejection: rejection && { ...rejection, rejectedAt: undefined },
  });
}

/** A model that settles every ambiguous node as a task with one deliverable: deterministic. */
const settlingRefiner: PlanRefiner = {
  model: 'test-model',
  refine: async (request) => ({ kind: 'task_spec', deliverables: [`Settled ${request.nodeId.slice(-6)}`] }),
};

describe('planBlueprint re-planning with the last planning reused (PlanningMemo)', () => {
  let fixtures: PlannerStoreFixture[] = [];
  afterEach(async () => {
    for (const f of fixtures) await f.dispose();
    fixtures = [];
  });

  /** Stored nodes the incremental planner told its repository were moved, each checked to be so. */
  let movedChecked = 0;

  /** Two planners on stores of their own: one reusing its last planning, one planning from scratch. */
  async function planners(overrides: Partial<PlanBlueprintDeps>) {
    fixtures = [await plannerStoreFixture(), await plannerStoreFixture()];
    const clock = new FakeClock();
    const reusing = planDeps(fixtures[0]!.store, { clock, ...overrides, memo: new PlanningMemo() });
    const scratch = planDeps(fixtures[1]!.store, { clock, ...overrides });
    // The repository is told which nodes only moved and skips comparing them: each must be so.
    const plans: PlanRepository = Object.create(reusing.plans);
    plans.commit = (next, previous, events) => {
      for (const [node, earlier] of next.movedNodes ?? []) {
        expect(sameStoredNode(node, earlier)).toBe(true);
        movedChecked += 1;
      }
      return reusing.plans.commit(next, previous, events);
    };
    return { incremental: { ...reusing, plans }, scratch };
  }

  /** The plan as stored (read back by a repository that remembers nothing), time fields left out. */
  async function storedPlan(deps: PlanBlueprintDeps, fixture: PlannerStoreFixture): Promise<string> {
    const plan = await new StorePlanRepository(fixture.store, deps.clock).load(
      planIdFor('project-1', 'bp-1'),
    );
    if (!plan) return 'none';
    return JSON.stringify({
      head: { ...plan.head, generatedAt: undefined },
      nodes: [...plan.nodes.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      tasks: [...plan.tasks.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    });
  }

  it.each([
    ['rules only', 11, {}, false, false],
    ['ids kept across renames', 5, {}, false, true],
    ['with a model refiner', 23, { refiner: settlingRefiner }, false, true],
    ['with a scanned repository', 37, {}, true, false],
  ] as const)(
    'gives exactly the plan and tasks of planning from scratch, for random edits (%s)',
    async (_name, seed, overrides: Partial<PlanBlueprintDeps>, scanned, stableIds) => {
      const { incremental, scratch } = await planners(overrides);
      movedChecked = 0;
      const next = random(seed);
      let text = baseDocument();
      let previous: BlueprintIngestedV1 | undefined;
      let planned = text;
      let lastPlanned = new Set<unknown>();
      let reused = 0;
      let rounds = 0;
      for (let round = 0; round < 70; round++) {
        // Now and then back to the base document: a large change, and a plan without drift.
        text = round % 25 === 24 ? baseDocument() : edit(planned, next);
        const parsed = markdownBlueprint(text, previous ? { previous } : {});
        const blueprint = stableIds ? withStableIds(parsed, previous) : parsed;
        const fromScratch = await planBlueprint(blueprint, scratch);
        const reusing = await planBlueprint(blueprint, incremental);
        expect(announced(reusing)).toBe(announced(fromScratch));
        expect(await storedPlan(incremental, fixtures[0]!)).toBe(await storedPlan(scratch, fixtures[1]!));
        if (reusing.plan && reusing.tasks) {
          // Objects of the last planning reused as they were (a task checked against a scan is a copy).
          const made = [...reusing.plan.nodes, ...reusing.tasks.tasks];
          reused += made.filter((x) => lastPlanned.has(x)).length;
          lastPlanned = new Set(made);
          rounds += 1;
          // The next edit is of a plan that could be planned: a rejected one is tried once.
          planned = text;
        }
        previous = blueprint;
        if (scanned && round === 0) {
          // Both planners' plans are checked against the same scan; later plannings check against it.
          for (const [deps, fixture] of [
            [incremental, fixtures[0]!],
            [scratch, fixtures[1]!],
          ] as const) {
            const check = new CheckPlansAgainstRepoUseCase(
              new StorePlanRepository(fixture.store, deps.clock),
              deps.clock,
              deps.envelopes,
            );
            await check.execute(npmRepoScan());
          }
        }
      }
      // The comparison above is of something: most plannings were planned, and reused tasks.
      expect(rounds).toBeGreaterThan(35);
      expect(reused).toBeGreaterThan(rounds * 5);
      expect(movedChecked).toBeGreaterThan(rounds * 5);
    },
  );

  it('reads a section again when a neighbour changed its role, not the facts stored under the old one', async () => {
    const v1 = [
      '# Offline drafts',
      '',
      '## Problem',
      '',
      'Writers lose what they typed when the connection drops.',
      '',
      '## Proposal',
      '',
      '- Keep drafts in IndexedDB',
      '- Send them once back online',
      '',
    ].join('\n');
    // The criteria make the document one change: Proposal now describes its one task, and its
    // list items are no longer deliverables of a task of their own.
    const v2 = v1.replace('## Proposal', '## Acceptance criteria\n\n- Nothing typed is lost\n\n## Proposal');
    fixtures = [await plannerStoreFixture(), await plannerStoreFixture()];
    const clock = new FakeClock();
    const replanning = planDeps(fixtures[0]!.store, { clock });
    const fresh = planDeps(fixtures[1]!.store, { clock });
    const first = markdownBlueprint(v1);
    // Proposal is a node of its own here, its items read as its deliverables (and stored so).
    expect((await planBlueprint(first, replanning)).plan!.nodes.map((n) => n.title)).toContain('Proposal');
    const second = markdownBlueprint(v2, { previous: first });
    const proposal = second.sections.find((x) => x.title === 'Proposal')!;
    expect(second.changedSectionIds).not.toContain(proposal.id);
    const tasksOf = (r: PlanBlueprintResult) =>
      r.tasks!.tasks.map((t) => ({
        title: t.title,
        deliverables: t.deliverables,
        criteria: t.acceptanceCriteria,
      }));
    const replanned = tasksOf(await planBlueprint(second, replanning));
    expect(replanned).toEqual(tasksOf(await planBlueprint(second, fresh)));
    expect(replanned).toEqual([
      { title: 'Offline drafts', deliverables: undefined, criteria: ['Nothing typed is lost'] },
    ]);
  });

  it('renames a node whose id is kept, and the tasks that name it', async () => {
    const { incremental, scratch } = await planners({});
    const first = withStableIds(markdownBlueprint(baseDocument()));
    // Story 2.1's name changes (its words as many), its id stays; Story 2.2 comes after it ("Depends on: Story 2.1").
    const text = baseDocument().replace(/### Story 2\.1: .*/, '### Story 2.1: Renamed model 21');
    const second = withStableIds(markdownBlueprint(text, { previous: first }), first);
    for (const deps of [incremental, scratch]) await planBlueprint(first, deps);
    const reusing = await planBlueprint(second, incremental);
    expect(announced(reusing)).toBe(announced(await planBlueprint(second, scratch)));
    expect(reusing.plan!.nodes.map((n) => n.title)).toContain('Story 2.1: Renamed model 21');
    const after = reusing.tasks!.tasks.find((t) => t.title.startsWith('Story 2.2'))!;
    expect(after.description).toContain('- Story 2.1: Renamed model 21:');
  });

  it('reuses the stored forms of what an edit did not change, so the commit rewrites what it did', async () => {
    const { incremental } = await planners({});
    const first = markdownBlueprint(baseDocument());
    const planned = await planBlueprint(first, incremental);
    const base = baseDocument();
    const last = base.lastIndexOf('Unit tests for it.');
    const text = `${base.slice(0, last)}Unit tests for it, and more.${base.slice(last + 18)}`;
    const second = await planBlueprint(markdownBlueprint(text, { previous: first }), incremental);
    const before = new Set<unknown>([...planned.plan!.nodes, ...planned.tasks!.tasks]);
    // One section changed, at the end (nothing after it moves): every node and task but its own is
    // the previous object.
    const fresh = [...second.plan!.nodes, ...second.tasks!.tasks].filter((x) => !before.has(x));
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.length).toBeLessThanOrEqual(4);
  });
});
