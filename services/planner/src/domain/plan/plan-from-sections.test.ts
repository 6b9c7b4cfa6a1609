import { markdownBlueprint } from '../../testing/markdown-blueprint';
import { missingDependencyError } from '../../testing/missing-dependency';
import { SHOP_PLAN } from '../../testing/sample-plans';
import { PRIORITY_CLASS } from '../section-facts/extract-signals';
import { PlanInputError } from './plan-errors';
import { planFromSections } from './plan-from-sections';
import type { PlanGraph, PlannedNode } from './plan-graph';

function byTitle(plan: PlanGraph): Map<string, PlannedNode> {
  return new Map(plan.nodes.map((n) => [n.title, n]));
}
function titlesOf(plan: PlanGraph, ids: readonly string[]): string[] {
  const byId = new Map(plan.nodes.map((n) => [n.id, n.title]));
  return ids.map((id) => byId.get(id) ?? `?${id}`);
}
const missingError = missingDependencyError;

describe('planFromSections on a realistic planning document', () => {
  const blueprint = markdownBlueprint(SHOP_PLAN);
  const plan = planFromSections(blueprint);
  const nodes = byTitle(plan);
  const node = (title: string) => {
    const found = nodes.get(title);
    if (!found) throw new Error(`no node "${title}" in ${[...nodes.keys()].join(' | ')}`);
    return found;
  };

  it('makes a node per real heading: not the document title, not facets, not headings in fences', () => {
    expect(
      plan.nodes.map((n) => [n.title, n.kind, n.parentId ? titlesOf(plan, [n.parentId])[0] : null]),
    ).toEqual([
      ['Overview', 'phase', null],
      ['Phase 1: Foundation', 'phase', null],
      ['Story 1.1: Project skeleton', 'task_spec', 'Phase 1: Foundation'],
      ['Story 1.2: User model', 'task_spec', 'Phase 1: Foundation'],
      ['Phase 2: Checkout', 'phase', null],
      ['Epic: Payments', 'epic', 'Phase 2: Checkout'],
      ['Story 2.1: Card payments', 'task_spec', 'Epic: Payments'],
      ['Story 2.2: Receipts', 'task_spec', 'Epic: Payments'],
      ['Story 2.3: Docs', 'task_spec', 'Phase 2: Checkout'],
      ['Phase 3: Launch', 'phase', null],
      ['Story 3.1: Load test', 'task_spec', 'Phase 3: Launch'],
      ['Story 3.2: Go live', 'task_spec', 'Phase 3: Launch'],
    ]);
  });

  it('keeps each node tied to its source text by [start, end) offsets', () => {
    for (const n of plan.nodes) {
      expect(SHOP_PLAN.slice(n.start, n.end).startsWith(`${'#'.repeat(2)}`)).toBe(true);
      expect(SHOP_PLAN.slice(n.start).split('\n')[0]).toContain(n.title);
    }
    expect(SHOP_PLAN.slice(node('Phase 1: Foundation').start, node('Phase 1: Foundation').end)).toContain(
      'Story 1.2: User model',
    );
  });

  it('resolves "Depends on", "Blocked by", quoted titles, tables of prerequisites and phase order', () => {
    const deps = (title: string) => titlesOf(plan, node(title).dependsOn).sort();
    expect(deps('Story 1.1: Project skeleton')).toEqual([]);
    expect(deps('Story 1.2: User model')).toEqual(['Story 1.1: Project skeleton']);
    expect(deps('Story 2.1: Card payments')).toEqual(['Story 1.2: User model']);
    expect(deps('Story 2.2: Receipts')).toEqual(['Story 2.1: Card payments']); // after "Card payments"
    expect(deps('Story 3.1: Load test')).toEqual(['Story 2.1: Card payments', 'Story 2.2: Receipts']); // table
    expect(deps('Story 3.2: Go live')).toEqual(['Story 3.1: Load test']);
    expect(deps('Phase 2: Checkout')).toEqual(['Phase 1: Foundation']);
    expect(deps('Phase 3: Launch')).toEqual(['Phase 2: Checkout']);
    expect(deps('Overview')).toEqual([]); // not a phase by name: no implicit order
  });

  it('extracts criteria, deliverables, files and commands from each section only', () => {
    const skeleton = node('Story 1.1: Project skeleton');
    expect(skeleton.acceptanceCriteria).toEqual([
      '`npm run build` passes on a clean clone',
      'CI runs lint and tests',
    ]);
    expect(skeleton.filePaths).toEqual(['packages/core/', 'package.json']);
    expect(skeleton.commands).toEqual([
      ['npm', 'run', 'build'],
      ['npm', 'ci'],
      ['npm', 'test'],
    ]);
    const user = node('Story 1.2: User model');
    expect(user.deliverables).toEqual([
      'Add the `User` entity in src/users/user.ts',
      'Write a migration creating the users table',
    ]);
    // The "#### Acceptance criteria" sub-heading is a facet of the story, with a Given/When/Then item.
    expect(user.acceptanceCriteria).toEqual([
      'Given a new user, When it is saved, Then it gets an id',
      'Emails are unique',
    ]);
    expect(user.filePaths).toEqual(['src/users/user.ts']);
    expect(node('Story 2.1: Card payments').filePaths).toEqual([
      'src/payments/stripe.ts',
      'src/payments/webhook.ts',
    ]);
    expect(node('Story 2.1: Card payments').commands).toEqual([['npm', 'test', '--', 'payments']]);
    expect(node('Story 3.1: Load test').commands).toEqual([['npx', 'k6', 'run', 'load.js']]);
    expect(node('Story 3.2: Go live').acceptanceCriteria).toEqual(['the flag is on in production']);
    // The fenced "# Not a heading" and its "Depends on Story 9.9" are code.
    expect(node('Story 2.2: Receipts').dependsOn).toHaveLength(1);
  });

  it('grades priority and risk from what the sections say', () => {
    const user = node('Story 1.2: User model');
    expect(user.priorityClass).toBe(0); // P0
    expect(user.priority).toBe(1); // class 0, second among its siblings
    expect(node('Story 1.1: Project skeleton').priority).toBe(200_000); // unmarked, first
    expect(user.risk).toBe('medium'); // a migration
    expect(node('Story 2.1: Card payments').risk).toBe('high'); // payments
    expect(node('Phase 1: Foundation').risk).toBe('medium'); // its riskiest story
    expect(node('Story 1.1: Project skeleton').risk).toBe('low');
    expect(plan.nodes.every((n) => n.status === 'planned')).toBe(true);
  });

  it('is deterministic: two runs give byte-identical JSON', () => {
    expect(JSON.stringify(planFromSections(markdownBlueprint(SHOP_PLAN)))).toBe(JSON.stringify(plan));
  });

  it('keeps node ids when other sections change', () => {
    const edited = SHOP_PLAN.replace('Flip the feature flag.', 'Flip the feature flag for everyone.');
    const again = planFromSections(markdownBlueprint(edited, { previous: blueprint }));
    expect(again.nodes.map((n) => n.id)).toEqual(plan.nodes.map((n) => n.id));
  });
});

describe('planFromSections kinds', () => {
  it('uses depth below the outermost heading when nothing is named, leaves of work becoming tasks', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '# Auth',
          'Everything about signing in.',
          '## Sessions',
          '### Cookies',
          '#### Add the session cookie',
          '- set `HttpOnly`',
          '## Background',
          'Why we do this.',
        ].join('\n'),
      ),
    );
    // One top-level heading with everything under it is the document title.
    expect(plan.nodes.map((n) => [n.title, n.kind])).toEqual([
      ['Sessions', 'phase'],
      ['Cookies', 'epic'],
      ['Add the session cookie', 'task_spec'],
      ['Background', 'phase'],
    ]);
  });

  it('marks what it cannot settle as ambiguous', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '## Phase 1: Build',
          '### Task: Tidy up',
          'Make it nicer.',
          '### Story 1.2: Later',
          '### Story 1.3: Nested phase',
          '#### Phase 9: Oddly placed',
          '##### Write docs',
          'Write `docs/a.md`.',
        ].join('\n'),
      ),
    );
    const nodes = byTitle(plan);
    expect(nodes.get('Task: Tidy up')?.kind).toBe('task_spec');
    expect(nodes.get('Task: Tidy up')?.ambiguity).toBe(
      'a task with no deliverable, acceptance criteria, file or command',
    );
    expect(nodes.get('Story 1.2: Later')?.ambiguity).toBe('a section with a heading and nothing under it');
    expect(nodes.get('Phase 9: Oddly placed')?.ambiguity).toBe('named a phase but sits under a story');
    expect(nodes.get('Write docs')?.ambiguity).toBeUndefined();
  });
});

describe('planFromSections document structure', () => {
  it('skips a preamble and each file title, and reads a top-level dependency table', () => {
    const text = [
      'Notes before any heading.',
      '# Shop',
      '## Phase 1: Base',
      '### Story 1.1: Models',
      'Add `src/models.ts`.',
      '### Story 1.2: API',
      'Add `src/api.ts`.',
      '# Dependencies',
      '| Story | Depends on |',
      '|---|---|',
      '| Story 1.2 | Story 1.1 |',
    ].join('\n');
    const base = markdownBlueprint(text);
    const preambleEnd = text.indexOf('# Shop');
    const blueprint = {
      ...base,
      sections: [
        {
          id: 'sec-preamble',
          level: 1,
          title: 'Preamble',
          start: 0,
          end: preambleEnd,
          hash: 'a'.repeat(64),
          wordCount: 4,
          kind: 'preamble' as const,
        },
        ...base.sections,
      ],
    };
    const plan = planFromSections(blueprint);
    // Two top-level headings: "# Shop" has children, "# Dependencies" is a facet (a prerequisites table).
    expect(plan.nodes.map((n) => n.title)).toEqual([
      'Shop',
      'Phase 1: Base',
      'Story 1.1: Models',
      'Story 1.2: API',
    ]);
    const api = plan.nodes.find((n) => n.title === 'Story 1.2: API')!;
    expect(titlesOf(plan, api.dependsOn)).toEqual(['Story 1.1: Models']);
  });
});

describe('planFromSections dependencies', () => {
  it('rejects a dependency on a missing node, naming the node, the reference and its offset', () => {
    const text = ['## Story 1: Login', 'Depends on: Story 7', '', 'Add the login form.'].join('\n');
    const err = missingError(text);
    expect(err.code).toBe('PLANNER_MISSING_DEPENDENCY');
    expect(err.missing).toHaveLength(1);
    const [missing] = err.missing;
    expect(missing).toMatchObject({ nodeTitle: 'Story 1: Login', reference: 'Story 7', line: 2 });
    expect(text.slice(missing!.offset, missing!.offset + 'Story 7'.length)).toBe('Story 7');
    expect(err.message).toContain('"Story 1: Login"');
    expect(err.message).toContain('"Story 7"');
    expect(err.message).toContain(`offset ${missing!.offset}`);
  });

  it('rejects an unknown row in a prerequisites table', () => {
    const err = missingError(
      [
        '## Story 1: A',
        'Do A.',
        '## Story 2: B',
        'Do B.',
        '## Order',
        '| Story | Prerequisites |',
        '|---|---|',
        '| Story 2 | Story 3 |',
      ].join('\n'),
    );
    expect(err.missing[0]!.reference).toBe('Story 3');
  });

  it('keeps clearly external dependencies without resolving them', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '## Story 1: Go live',
          'Depends on: sign-off from the legal team, OPS-142, https://status.example.com',
          '',
          'Ship it.',
        ].join('\n'),
      ),
    );
    expect(plan.nodes[0]!.externalDependencies).toEqual([
      'sign-off from the legal team',
      'OPS-142',
      'https://status.example.com',
    ]);
    expect(plan.nodes[0]!.dependsOn).toEqual([]);
  });

  it('links free text in a dependency list that is exactly a heading title; other free text is a note', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '## User model',
          'Write `src/user.ts`.',
          '## Sign-up',
          'Depends on: User model, Node 20',
          '',
          'Write `src/signup.ts`.',
        ].join('\n'),
      ),
    );
    const signUp = plan.nodes.find((n) => n.title === 'Sign-up')!;
    expect(titlesOf(plan, signUp.dependsOn)).toEqual(['User model']);
    expect(signUp.externalDependencies).toEqual(['Node 20']);
  });

  it('resolves by heading path and by numbering, nearest first among equal titles', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '## 1 API',
          '### Tests',
          'Write `tests/api.test.ts`.',
          '## 2 UI',
          '### Tests',
          'Write `tests/ui.test.ts`.',
          '### Screens',
          'Depends on "Tests" and "1 API > Tests". Requires section 1.',
        ].join('\n'),
      ),
    );
    const screens = plan.nodes.find((n) => n.title === 'Screens')!;
    const [apiTests, uiTests] = plan.nodes.filter((n) => n.title === 'Tests');
    expect(screens.dependsOn).toEqual(
      // In document order: "1 API" (section 1), its Tests (by path), the nearest Tests (by title).
      [plan.nodes.find((n) => n.title === '1 API')!.id, apiTests!.id, uiTests!.id],
    );
  });

  it('ignores "requires" and "after" in plain prose', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '## Story 1: Cache',
          'This requires a running Redis and starts after lunch.',
          '',
          '- add cache',
        ].join('\n'),
      ),
    );
    expect(plan.nodes[0]!.dependsOn).toEqual([]);
  });

  it('refuses sections that do not form a tree over the text', () => {
    const blueprint = markdownBlueprint('## A\ntext\n## B\ntext');
    const broken = { ...blueprint, sections: [blueprint.sections[1]!, blueprint.sections[0]!] };
    expect(() => planFromSections(broken)).toThrow(PlanInputError);
  });
});

describe('planFromSections on what is not work (issue 17)', () => {
  const taskTitles = (markdown: string) =>
    planFromSections(markdownBlueprint(markdown))
      .nodes.filter((n) => n.kind === 'task_spec')
      .map((n) => n.title);

  it('makes no task of a README: reference sections, FAQ questions, install steps', () => {
    const readme = [
      '# tool [![Build Status](https://ci.example/badge.svg)](https://ci.example)',
      '## Installation',
      '```sh\nnpm install tool\n```',
      '## Usage',
      'Call `tool()` and read the result.',
      '## FAQ',
      '### Does it support JSX?',
      'Yes.',
      '## License',
      'MIT',
    ].join('\n');
    const plan = planFromSections(markdownBlueprint(readme));
    expect(plan.nodes.filter((n) => n.kind === 'task_spec')).toEqual([]);
    // Badges and markup never reach a title.
    expect(plan.nodes.map((n) => n.title)).not.toContain(expect.stringMatching(/\]\(|!\[/));
  });

  it('keeps reference sections out of a real plan, and folds Goal/Approach into the phase they describe', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '# Roadmap',
          '## Phase 1: Detect toolchains',
          '### Goal',
          'Know every toolchain.',
          '### Approach',
          'Edit `src/detect/node.ts`.',
          '## Phase 2: Report',
          'Write `src/report.ts`.',
          '## License',
          'MIT',
        ].join('\n'),
      ),
    );
    const phase1 = plan.nodes.find((n) => n.title === 'Phase 1: Detect toolchains')!;
    expect(plan.nodes.filter((n) => n.kind === 'task_spec').map((n) => n.title)).toEqual([
      'Phase 1: Detect toolchains',
      'Phase 2: Report',
    ]);
    expect(phase1.body).toContain('Goal:\nKnow every toolchain.');
    expect(phase1.filePaths).toEqual(['src/detect/node.ts']);
    expect(plan.nodes.find((n) => n.title === 'Phase 2: Report')!.dependencyReasons).toEqual([
      { nodeId: phase1.id, because: 'phases run in the order they are numbered' },
    ]);
  });

  it('reads a rollback plan and risks as notes of the work they are about, never as tasks', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '# RFC: Rate limits',
          '## Implementation',
          '### Token bucket per API key',
          'Write `src/limits/bucket.ts`.',
          '#### Rollback',
          'Set `RATE_LIMITS_ENABLED=false` and redeploy.',
          '### Limits in the admin UI',
          'Show limits in `web/admin/keys.tsx`.',
          '## Rollback plan',
          'Turn the flag off.',
          '## Risks and mitigations',
          'A wrong limit locks out customers: start in log-only mode.',
          '## Back-out',
          'Revert the release.',
        ].join('\n'),
      ),
    );
    expect(plan.nodes.filter((n) => n.kind === 'task_spec').map((n) => n.title)).toEqual([
      'Token bucket per API key',
      'Limits in the admin UI',
    ]);
    expect(plan.nodes.map((n) => n.title)).not.toContain(expect.stringMatching(/rollback|risks|back-out/i));
    expect(plan.nodes.find((n) => n.title === 'Token bucket per API key')!.body).toContain(
      'Rollback:\nSet `RATE_LIMITS_ENABLED=false` and redeploy.',
    );
  });

  it('makes one task per open checklist item, with "after" and "depends on" between items', () => {
    const plan = planFromSections(
      markdownBlueprint(
        '# Sprint\n\n- [ ] Login page\n- [ ] Password reset, depends on login page\n- [x] Set up CI\n',
      ),
    );
    const items = plan.nodes.filter((n) => n.parentId !== undefined);
    expect(items.map((n) => [n.title, n.kind, n.status])).toEqual([
      ['Login page', 'task_spec', 'planned'],
      ['Password reset', 'task_spec', 'planned'],
      ['Set up CI', 'task_spec', 'done'],
    ]);
    expect(items[1]!.dependsOn).toEqual([items[0]!.id]);
  });

  it('makes one task per row of a work-breakdown table, ordered by its dependency column', () => {
    const table = [
      '# Invoices to Stripe',
      '## Work breakdown',
      '| ID | Task | Owner | Depends on | Status |',
      '|----|------|-------|------------|--------|',
      '| A1 | Audit the tables | Ana | | done |',
      '| A2 | Read / write API for invoices | Ana | A1 | |',
      '| B1 | Sync job in `services/billing/sync.ts` | Ben | A2, Billing team | |',
      '| B2 | Backfill invoices | Ben | Sync job in `services/billing/sync.ts` | |',
    ].join('\n');
    const plan = planFromSections(markdownBlueprint(table));
    const items = plan.nodes.filter((n) => n.parentId !== undefined);
    expect(items.map((n) => [n.title, n.kind, n.status])).toEqual([
      ['Audit the tables', 'task_spec', 'done'],
      ['Read / write API for invoices', 'task_spec', 'planned'],
      ['Sync job in services/billing/sync.ts', 'task_spec', 'planned'],
      ['Backfill invoices', 'task_spec', 'planned'],
    ]);
    const [audit, api, sync, backfill] = items;
    // By id ("A1"; a title with a slash is no heading path), and by a row's task as written.
    expect(api!.dependsOn).toEqual([audit!.id]);
    expect(sync!.dependsOn).toEqual([api!.id]);
    expect(backfill!.dependsOn).toEqual([sync!.id]);
    expect(sync!.dependencyReasons?.[0]?.because).toBe(
      '| B1 | Sync job in `services/billing/sync.ts` | Ben | A2, Billing team | |',
    );
    expect(sync!.externalDependencies).toEqual(['Billing team']);
    expect(sync!.filePaths).toEqual(['services/billing/sync.ts']);
    expect(sync!.body).toContain('Owner: Ben');
    // The section holding the table keeps none of its rows' facts.
    expect(plan.nodes.find((n) => n.title === 'Work breakdown')!.filePaths).toEqual([]);
  });

  it('makes a task of each item a MoSCoW heading lists, graded by it; a milestones schedule is no task', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '# Team inbox PRD',
          '## Must have',
          '- Assign a conversation to a teammate',
          '- Show who is typing',
          '## Nice to have',
          '- Snooze a conversation',
          "## Won't have",
          '- Chat bots',
          '## Not planned',
          '- A mobile app',
          '## Milestones',
          '1. M1: assignment',
          '2. M2: snooze',
        ].join('\n'),
      ),
    );
    const work = plan.nodes.filter((n) => n.kind === 'task_spec' && n.status !== 'dropped');
    expect(work.map((n) => [n.title, n.priorityClass])).toEqual([
      ['Assign a conversation to a teammate', PRIORITY_CLASS.must],
      ['Show who is typing', PRIORITY_CLASS.must],
      ['Snooze a conversation', PRIORITY_CLASS.could],
    ]);
    // Out of scope: the section is dropped work, its items no tasks.
    expect(plan.nodes.find((n) => n.title === "Won't have")!.status).toBe('dropped');
    expect(plan.nodes.find((n) => n.title === 'Not planned')!.status).toBe('dropped');
  });

  it('makes a bug report one task: its expected behaviour the criteria, its other sections the body', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '# Export to CSV drops rows with commas',
          '## Describe the bug',
          'Rows whose cells hold commas are missing from the CSV.',
          '## Steps to reproduce',
          '1. Open a report with a cell `Smith, John`',
          '2. Export it as CSV',
          '## Expected behavior',
          'Every row is in the file, and cells with commas are quoted.',
          '## Actual behavior',
          'Those rows are missing.',
          '## Environment',
          '- Version: 2.4.1',
          '## Additional context',
          'The exporter lives in `src/export/csv.ts`.',
        ].join('\n'),
      ),
    );
    expect(plan.nodes).toHaveLength(1);
    const [task] = plan.nodes;
    expect([task!.title, task!.kind]).toEqual(['Export to CSV drops rows with commas', 'task_spec']);
    expect(task!.acceptanceCriteria).toEqual(['Every row is in the file, and cells with commas are quoted.']);
    expect(task!.filePaths).toEqual(['src/export/csv.ts']);
    expect(task!.deliverables).toEqual([]);
    expect(task!.body).toContain('Steps to reproduce:\n1. Open a report with a cell `Smith, John`');
  });

  it("makes a bug report in bold labels one task too, not 'not a plan'", () => {
    const plan = planFromSections(
      markdownBlueprint(
        '# Export drops rows\n\n**Describe the bug**\nRows with commas are missing.\n\n**Expected behavior**\nEvery row is in the file.\n',
      ),
    );
    expect(plan.nodes.map((n) => [n.title, n.kind, n.acceptanceCriteria])).toEqual([
      ['Export drops rows', 'task_spec', ['Every row is in the file.']],
    ]);
  });

  it("checks every task with the document's own Verification commands unless it names its own", () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '# Rate limits',
          '## Phase 1: Token bucket in `src/limits/bucket.ts`',
          '- `take(n)` and `refill(now)`',
          '## Phase 2: Middleware in `src/http/limit.ts`',
          '- Reject with 429; run `npm test -- http` to check it',
          '## Verification',
          '- `npm test`',
          '- `npm run lint`',
          '## Files to modify',
          '- `src/http/server.ts`',
        ].join('\n'),
      ),
    );
    expect(plan.nodes.map((n) => [n.title, n.kind, n.commands])).toEqual([
      [
        'Phase 1: Token bucket in src/limits/bucket.ts',
        'task_spec',
        [
          ['npm', 'test'],
          ['npm', 'run', 'lint'],
        ],
      ],
      ['Phase 2: Middleware in src/http/limit.ts', 'task_spec', [['npm', 'test', '--', 'http']]],
    ]);
  });

  it('gives each checklist item its own sub-items, as criteria and scope, and its section none of them', () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '# TODO',
          '',
          '- [ ] Auth',
          '  - [ ] Login form in `web/login.tsx`',
          '',
          '  - [ ] Logout button',
          '- [ ] Billing',
          '  - [ ] Webhook handler in `api/stripe-webhook.ts`',
          '',
          'Notes after the list.',
          '',
          '  - [ ] not a sub-item of Billing',
        ].join('\n'),
      ),
    );
    const items = plan.nodes.filter((n) => n.parentId !== undefined);
    expect(items.map((n) => [n.title, n.filePaths, n.acceptanceCriteria])).toEqual([
      ['Auth', ['web/login.tsx'], ['Login form in `web/login.tsx`', 'Logout button']],
      ['Billing', ['api/stripe-webhook.ts'], ['Webhook handler in `api/stripe-webhook.ts`']],
    ]);
    const todo = plan.nodes.find((n) => n.parentId === undefined)!;
    expect(todo.filePaths).toEqual([]);
    expect(todo.acceptanceCriteria).toEqual(['not a sub-item of Billing']);
  });

  it("makes one task per item of an epic's or a phase's Tasks checklist, titled without its issue", () => {
    const plan = planFromSections(
      markdownBlueprint(
        [
          '# Epic: Offline mode',
          'Users lose drafts offline.',
          '### Tasks',
          '- [ ] #412 Store drafts in `web/drafts/store.ts`',
          '- [ ] #413 Sync drafts when back online (blocked by #412)',
          '- [x] #398 Spike: IndexedDB quotas',
          '- [ ] https://github.com/acme/app/issues/415 Conflict banner',
          '### Acceptance criteria',
          '- A draft written offline reaches the server within 10 s of reconnecting.',
        ].join('\n'),
      ),
    );
    const items = plan.nodes.filter((n) => n.parentId !== undefined);
    expect(items.map((n) => [n.title, n.status, n.filePaths])).toEqual([
      ['Store drafts in web/drafts/store.ts', 'planned', ['web/drafts/store.ts']],
      ['Sync drafts when back online', 'planned', []],
      ['Spike: IndexedDB quotas', 'done', []],
      ['Conflict banner', 'planned', []],
    ]);
    expect(items[1]!.dependsOn).toEqual([items[0]!.id]);
    const epic = plan.nodes.find((n) => n.parentId === undefined)!;
    expect([epic.kind, epic.filePaths]).toEqual(['epic', []]);
    // Without a label, a title over a task checklist is one change: its items are deliverables.
    const change = planFromSections(
      markdownBlueprint(
        '# Offline mode\nUsers lose drafts.\n### Tasks\n- [ ] Store drafts\n- [ ] Sync drafts\n',
      ),
    );
    expect(change.nodes.map((n) => [n.title, n.kind, n.deliverables])).toEqual([
      ['Offline mode', 'task_spec', ['Store drafts', 'Sync drafts']],
    ]);
  });

  it('makes each item of a list under a document titled as a plan a task; a README title over a list none', () => {
    expect(
      taskTitles('# Launch plan\n\n1. Create the repository\n2. Add CI\n3. Deploy to staging\n'),
    ).toEqual(['Create the repository', 'Add CI', 'Deploy to staging']);
    expect(taskTitles('# fastq\n\n- Fast\n- Small\n')).toEqual([]);
  });

  it('orders numbered steps only where the document says the order matters', () => {
    const steps = (intro: string) =>
      planFromSections(
        markdownBlueprint(
          `# Move\n## Steps\n${intro}\n### 1. Create the schema\nx\n### 2. Copy the data\ny\n`,
        ),
      ).nodes.find((n) => n.title === '2. Copy the data')!.dependsOn;
    expect(steps('These must be done in order.')).toHaveLength(1);
    expect(
      taskTitles('# Ideas\n## Options\nSome thoughts.\n### 1. Add a cache\nx\n### 2. Add an index\ny\n'),
    ).toHaveLength(2);
    expect(
      planFromSections(
        markdownBlueprint(
          '# Ideas\n## Options\nSome thoughts.\n### 1. Add a cache\nx\n### 2. Add an index\ny\n',
        ),
      ).nodes.every((n) => n.dependsOn.length === 0),
    ).toBe(true);
  });

  it('takes scope only from paths written as what to change', () => {
    const node = planFromSections(
      markdownBlueprint(
        [
          '## Task: Wire the client',
          'Change `src/client.ts`, as the `nats.js` client does; keep `import/no-cycle` on.',
          'Fields like `token.map` stay. Areas: docs/backend/frontend/tests/database.',
          '`.git/**` and `.github/workflows/**` are protected and need approval.',
        ].join('\n'),
      ),
    ).nodes[0]!;
    expect(node.filePaths).toEqual(['src/client.ts']);
  });
});
