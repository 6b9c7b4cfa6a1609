import {
  PlanGeneratedV1,
  TasksGeneratedV1,
  validateStrict,
  type Envelope,
  type RepoScannedV1,
  type TaskSpec,
} from '@autopilot/contracts';
import { FakeClock } from '@autopilot/testing';
import { scannedRepoOf } from '../domain/gaps/gap-fixtures.test-support';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { planDeps, plannerStoreFixture, type PlannerStoreFixture } from '../testing/plan-deps';
import { SHOP_PLAN } from '../testing/sample-plans';
import { StorePlanRepository } from '../adapters/plan-repository';
import { repoViewFromScan } from '../domain/repo-check/repo-view';
import { asRulesMadeIt, checkTasksAgainstRepo } from '../domain/repo-check/task-repo-check';
import { CheckPlansAgainstRepoUseCase } from './check-plans-against-repo';
import { planBlueprint, type PlanBlueprintDeps } from './plan-blueprint';

const projectId = 'project-1';

/** An npm project with packages/ but no src/: the shop plan's src/ files would be in new folders. */
function shopRepoScan(jobId: string, extra: Record<string, string> = {}): RepoScannedV1 {
  return npmRepoScan(jobId, {
    'package.json': JSON.stringify({ scripts: { build: 'tsc -b', test: 'jest' } }),
    'packages/util/index.ts': 'export {};\n',
    'README.md': '# Shop\n',
    ...extra,
  });
}

const BUILD_AND_TEST = [
  ['npm', 'run', 'build'],
  ['npm', 'run', 'test'],
];

/** A scan of an npm project with these files; a lint script, when package.json has one, is a check. */
function npmRepoScan(jobId: string, files: Record<string, string>): RepoScannedV1 {
  const scripts = (JSON.parse(files['package.json']!) as { scripts: Record<string, string> }).scripts;
  const topLevel = [...new Set(Object.keys(files).map((p) => (p.includes('/') ? `${p.split('/')[0]}/` : p)))];
  return scannedRepoOf(files, {
    projectId,
    jobId,
    topLevelPaths: topLevel.sort(),
    toolchains: [
      {
        name: 'node',
        tool: 'npm',
        directory: '.',
        manifestPath: 'package.json',
        buildCommand: ['npm', 'run', 'build'],
        testCommand: ['npm', 'run', 'test'],
        ...(scripts.lint !== undefined ? { lintCommand: ['npm', 'run', 'lint'] } : {}),
      },
    ],
  });
}

/** Two stories without checks; the first names a path that is prose until lib/legacy/adapter/ exists. */
const ADAPTER_PLAN = [
  '# Plan',
  '',
  '## Story 1: Adapter',
  '',
  'Rewrite `lib/legacy/adapter` and `src/index.ts`.',
  '',
  '## Story 2: Docs',
  '',
  'After Story 1.',
  '',
  'Document it in `docs/adapter.md`.',
  '',
].join('\n');
const ADAPTER_RULES_SCOPE = ['lib/legacy/adapter', 'src/index.ts'];

const byTitle = (tasks: readonly TaskSpec[], title: string): TaskSpec =>
  tasks.find((t) => t.title === title)!;

describe('CheckPlansAgainstRepoUseCase (issue 17: a scan checks the plans made before it)', () => {
  let fixture: PlannerStoreFixture;
  let deps: PlanBlueprintDeps;
  let clock: FakeClock;
  let useCase: CheckPlansAgainstRepoUseCase;

  beforeEach(async () => {
    fixture = await plannerStoreFixture();
    clock = new FakeClock();
    deps = planDeps(fixture.store, { clock });
    useCase = new CheckPlansAgainstRepoUseCase(
      new StorePlanRepository(fixture.store, clock),
      clock,
      // One id source for both use cases: they append to the same outbox.
      deps.envelopes,
    );
  });
  afterEach(() => fixture.dispose());

  const announced = async () => {
    const events = await fixture.outbox();
    return {
      plans: events.filter((e) => e.type === PlanGeneratedV1.type) as Envelope<PlanGeneratedV1>[],
      tasks: events.filter((e) => e.type === TasksGeneratedV1.type) as Envelope<TasksGeneratedV1>[],
    };
  };

  it('revises a plan made before the scan, announces it for the scan job, and keeps what the rules said', async () => {
    const first = await planBlueprint(markdownBlueprint(SHOP_PLAN), deps);
    const card = byTitle(first.tasks!.tasks, 'Story 2.1: Card payments');
    expect(card.scopePaths).toEqual(['src/payments/stripe.ts', 'src/payments/webhook.ts']);
    expect(card.repoCheck).toBeUndefined();

    const outcome = await useCase.execute(shopRepoScan('scan-1'));
    expect(outcome).toEqual({ revised: [first.plan!.planId], unchanged: [] });
    const { plans, tasks } = await announced();
    const revised = tasks.at(-1)!;
    expect(plans.at(-1)!.data.revision).toBe(2);
    expect(revised).toMatchObject({ correlationId: 'scan-1', projectId });
    expect(revised.data.planRevision).toBe(2);
    expect(validateStrict(TasksGeneratedV1, revised.data)).toEqual([]);
    expect(validateStrict(PlanGeneratedV1, plans.at(-1)!.data)).toEqual([]);
    // The same nodes, in the same order; the same tasks, in the same order.
    expect(plans.at(-1)!.data.nodes).toEqual(first.plan!.nodes);
    expect(revised.data.tasks.map((t) => t.id)).toEqual(first.tasks!.tasks.map((t) => t.id));

    const checkedCard = byTitle(revised.data.tasks, 'Story 2.1: Card payments');
    // New files in folders the repository does not have: kept (the blueprint asks for them), flagged.
    expect(checkedCard.scopePaths).toEqual(card.scopePaths);
    expect(checkedCard.repoCheck?.notes.map((n) => [n.kind, n.subject])).toEqual([
      ['scope_unverified', 'src/payments/stripe.ts'],
      ['scope_unverified', 'src/payments/webhook.ts'],
    ]);
    // The blueprint's own check stays; a task with none gets the toolchain's.
    expect(checkedCard.validationCommands).toEqual(card.validationCommands);
    // packages/core/ is new, in packages/ which exists: kept.
    const skeleton = byTitle(revised.data.tasks, 'Story 1.1: Project skeleton');
    expect(skeleton.scopePaths).toEqual(
      byTitle(first.tasks!.tasks, 'Story 1.1: Project skeleton').scopePaths,
    );
    expect(skeleton.scopePaths).toContain('packages/core/**');
    const receipts = byTitle(revised.data.tasks, 'Story 2.2: Receipts');
    expect(receipts.validationCommands).toEqual([
      ['npm', 'run', 'build'],
      ['npm', 'run', 'test'],
    ]);

    // A later scan where src/payments/ exists: the tasks were announced checked, so they keep their
    // check, doubts included (no revision 3).
    const later = await useCase.execute(shopRepoScan('scan-2', { 'src/payments/old.ts': 'x' }));
    expect(later).toEqual({ revised: [], unchanged: [first.plan!.planId] });
    const again = (await announced()).tasks.at(-1)!.data;
    expect(again.planRevision).toBe(2);
    expect(again.tasks).toEqual(revised.data.tasks);
  });

  it('keeps the scope and validation of tasks announced checked when a later scan at a new commit would change them', async () => {
    const files = {
      'package.json': JSON.stringify({ scripts: { build: 'tsc -b', test: 'jest' } }),
      'src/index.ts': 'export {};\n',
    };
    await useCase.execute(npmRepoScan('scan-1', files));
    const v1 = markdownBlueprint(ADAPTER_PLAN);
    const planned = await planBlueprint(v1, deps);
    const adapter = byTitle(planned.tasks!.tasks, 'Story 1: Adapter');
    // No lib/ folder: the prose-like path goes; no check in the blueprint: the toolchain's.
    expect(adapter.scopePaths).toEqual(['src/index.ts']);
    expect(adapter.validationCommands).toEqual(BUILD_AND_TEST);

    // Merged work adds a lint script and lib/legacy/adapter/: checked afresh, the task would change.
    const grown = npmRepoScan('scan-2', {
      ...files,
      'package.json': JSON.stringify({ scripts: { build: 'tsc -b', test: 'jest', lint: 'eslint .' } }),
      'lib/legacy/adapter/index.ts': 'export {};\n',
    });
    expect(grown.commit).not.toBe(planned.tasks!.tasks[0]!.repoCheck?.commit);
    const afresh = checkTasksAgainstRepo(
      [asRulesMadeIt(adapter, { scopePaths: ADAPTER_RULES_SCOPE, validationCommands: [] })],
      repoViewFromScan(grown),
    )[0]!;
    expect(afresh.scopePaths).toEqual(ADAPTER_RULES_SCOPE);
    expect(afresh.validationCommands).toEqual([...BUILD_AND_TEST, ['npm', 'run', 'lint']]);

    // The scan revises nothing: the plan is announced again at its revision, its tasks as they were.
    expect(await useCase.execute(grown)).toEqual({ revised: [], unchanged: [planned.plan!.planId] });
    const rescanned = (await announced()).tasks.at(-1)!;
    expect(rescanned).toMatchObject({ correlationId: 'scan-2', data: { planRevision: 1 } });
    expect(rescanned.data.tasks).toEqual(planned.tasks!.tasks);
    expect((await deps.repoViews.current(projectId))?.commit).toBe(grown.commit);

    // Planning the same blueprint again (every start does) announces the same tasks.
    const replay = await planBlueprint(v1, deps);
    expect(replay.outcome).toBe('unchanged');
    expect(replay.tasks!.tasks).toEqual(planned.tasks!.tasks);

    // A new version: the task whose rules' fields changed is checked against the new scan; the
    // other keeps its check.
    const docsEdited = ADAPTER_PLAN.replace('`docs/adapter.md`', '`docs/adapter.md` and `docs/lint.md`');
    const v2 = markdownBlueprint(docsEdited, { previous: v1 });
    const replanned = await planBlueprint(v2, deps);
    expect(replanned.plan!.revision).toBe(2);
    expect(byTitle(replanned.tasks!.tasks, 'Story 1: Adapter')).toEqual(adapter);
    const docs = byTitle(replanned.tasks!.tasks, 'Story 2: Docs');
    expect(docs.scopePaths).toEqual(['docs/adapter.md', 'docs/lint.md']);
    expect(docs.validationCommands).toEqual([...BUILD_AND_TEST, ['npm', 'run', 'lint']]);
    expect(docs.repoCheck?.commit).toBe(grown.commit);
  });

  it('announces an unchanged plan again at its revision when the same scan comes back, writing nothing', async () => {
    await planBlueprint(markdownBlueprint(SHOP_PLAN), deps);
    await useCase.execute(shopRepoScan('scan-1'));
    const heads = await fixture.store.collection('plans').find({}, { limit: 10 });
    const outcome = await useCase.execute(shopRepoScan('scan-2'));
    expect(outcome.revised).toEqual([]);
    expect(outcome.unchanged).toHaveLength(1);
    const { tasks } = await announced();
    expect(tasks.map((e) => [e.correlationId, e.data.planRevision])).toEqual([
      [undefined, 1],
      ['scan-1', 2],
      ['scan-2', 2],
    ]);
    expect(tasks[2]!.data.tasks).toEqual(tasks[1]!.data.tasks);
    expect(await fixture.store.collection('plans').find({}, { limit: 10 })).toEqual(heads);
  });

  it('checks a plan made after the scan when it is made, and a re-plan keeps checking it', async () => {
    await useCase.execute(shopRepoScan('scan-1'));
    expect((await announced()).tasks).toEqual([]);

    const v1 = markdownBlueprint(SHOP_PLAN);
    const planned = await planBlueprint(v1, deps);
    const card = byTitle(planned.tasks!.tasks, 'Story 2.1: Card payments');
    expect(card.repoCheck?.notes.map((n) => n.kind)).toEqual(['scope_unverified', 'scope_unverified']);

    // A re-scan of the same repository changes nothing: announced again at revision 1.
    expect((await useCase.execute(shopRepoScan('scan-2'))).revised).toEqual([]);
    const v2 = markdownBlueprint(SHOP_PLAN.replace('Flip the feature flag.', 'Flip it.'), { previous: v1 });
    const replanned = await planBlueprint(v2, deps);
    expect(replanned.plan!.revision).toBe(2);
    expect(byTitle(replanned.tasks!.tasks, 'Story 2.1: Card payments')).toEqual(card);
  });
});
