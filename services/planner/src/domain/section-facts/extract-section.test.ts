import { commandsInLine } from './extract-commands';
import { pathIn } from './extract-paths';
import { extractSection } from './extract-section';
import { PRIORITY_CLASS } from './extract-signals';

describe('extractSection', () => {
  it('reads commands from shell fences, prompts and backticked known tools, as argv', () => {
    const facts = extractSection(
      [
        '### Build',
        'Run `npm run lint` then `git` (a mention) and `make`.',
        '```bash',
        '# a comment',
        'npm ci && npm run build',
        'cat log | grep error',
        'pytest -q \\',
        '  tests/unit',
        '```',
        '```console',
        '$ go test ./...',
        'ok  example.com/x',
        '```',
        '```python',
        'import os  # not a command',
        '```',
        '$ cargo test',
      ].join('\n'),
    );
    expect(facts.commands).toEqual([
      ['npm', 'run', 'lint'],
      ['make'],
      ['npm', 'ci'],
      ['npm', 'run', 'build'],
      ['pytest', '-q', 'tests/unit'],
      ['go', 'test', './...'],
      ['cargo', 'test'],
    ]);
  });

  it('reads acceptance criteria from labels, checkboxes, Given/When/Then and "Done when"', () => {
    const facts = extractSection(
      [
        '### Story: Export',
        '- export the report as CSV',
        '',
        'Acceptance criteria:',
        '- the file opens in a spreadsheet',
        '',
        '- [x] columns are named',
        '',
        'Given a report',
        'When I export it',
        'Then I get a CSV file',
        '',
        'Done when: the button is live',
      ].join('\n'),
    );
    expect(facts.deliverables).toEqual(['export the report as CSV']);
    expect(facts.acceptanceCriteria).toEqual([
      'the file opens in a spreadsheet',
      'columns are named',
      'Given a report When I export it Then I get a CSV file',
      'the button is live',
    ]);
  });

  it('lists user stories in a list as its checklist, open, and as deliverables', () => {
    const text = [
      '## User stories',
      '',
      '- As an agent, I want to assign a conversation so that nobody answers twice.',
      '- As a lead, I want a daily summary.',
      '- A plain deliverable',
    ].join('\n');
    const facts = extractSection(text);
    expect(facts.checklist?.map((c) => [c.text, c.checked, text.slice(c.start, c.end)])).toEqual([
      [
        'As an agent, I want to assign a conversation so that nobody answers twice.',
        false,
        '- As an agent, I want to assign a conversation so that nobody answers twice.',
      ],
      ['As a lead, I want a daily summary.', false, '- As a lead, I want a daily summary.'],
    ]);
    expect(facts.deliverables).toHaveLength(3);
  });

  it('reads each paragraph of a criteria section as a criterion, but not one that introduces a list', () => {
    const facts = extractSection(
      [
        '## Expected behavior',
        '',
        'Every row is in the file,',
        'and cells with commas are quoted.',
        '',
        'The export is done when:',
        '',
        '- it opens in a spreadsheet',
      ].join('\n'),
      'criteria',
    );
    expect(facts.acceptanceCriteria).toEqual([
      'Every row is in the file, and cells with commas are quoted.',
      'it opens in a spreadsheet',
    ]);
    // Elsewhere a paragraph is prose.
    expect(extractSection('## Export\n\nEvery row is in the file.').acceptanceCriteria).toEqual([]);
  });

  it("reads a bug template's bold labels: the paragraph after Expected behavior is a criterion, its lists no deliverables", () => {
    const facts = extractSection(
      [
        '# Export drops rows',
        '**Describe the bug**',
        'Rows with commas are missing.',
        '',
        '**To Reproduce**',
        'Steps to reproduce the behavior:',
        '1. Open a report',
        '2. Click Export',
        '',
        '**Expected behavior**',
        'Every row is in the file.',
        '',
        'Another paragraph, no criterion.',
        '',
        '**Desktop (please complete the following information):**',
        ' - OS: macOS',
      ].join('\n'),
    );
    expect(facts.acceptanceCriteria).toEqual(['Every row is in the file.']);
    expect(facts.deliverables).toEqual([]);
    expect(facts.statesCriteria).toBe(true);
  });

  it('takes no sign of a plan from prose that starts like a scenario or from ticked feature lists', () => {
    for (const text of [
      '## Ranges\n\nWhen parsing caret ranges, a missing patch desugars to 0.',
      '## Basics\n\nGiven these competing conditions, the API lets a client choose.',
      '## Features\n\n- [x] Fast\n- [x] Small',
    ])
      expect(extractSection(text).statesCriteria).toBeUndefined();
    expect(extractSection('## Story\n\nGiven a cart\nWhen I pay\nThen I get a receipt').statesCriteria).toBe(
      true,
    );
  });

  it('lists the items under a level-1 heading that names a plan as its checklist, ATX or setext', () => {
    const items = (text: string) => extractSection(text).checklist?.map((c) => c.text);
    expect(items('# Launch plan\n\n1. Create the repository\n2. Add CI\n')).toEqual([
      'Create the repository',
      'Add CI',
    ]);
    expect(items('Launch plan\n===\n\n- Create the repository\n- Add CI\n')).toEqual([
      'Create the repository',
      'Add CI',
    ]);
    // A second-level heading, or a title that names no plan: the items are deliverables.
    expect(items('## Launch plan\n\n- Create the repository\n- Add CI\n')).toBeUndefined();
    expect(items('# fastq\n\n- Fast\n- Small\n')).toBeUndefined();
    expect(items('# Todo app\n\n- Add todos\n- Mark them done\n')).toBeUndefined();
    expect(items('# Roadmap 2027\n\n- Single sign-on\n- Audit log\n')).toEqual([
      'Single sign-on',
      'Audit log',
    ]);
  });

  it('lists the rows of a work-breakdown table as its checklist, with their dependencies and details', () => {
    const text = [
      '## Work breakdown',
      '',
      '| # | **Task** | Owner | Depends on | Status |',
      '|---|----------|-------|------------|--------|',
      '| 1 | Audit the tables | Ana | | Done |',
      '| 2 | Export records to `out/records.csv` | Ana | #1 | |',
      '| 3 | Map plans to prices | | 1, 2, Billing team | in progress |',
    ].join('\n');
    const facts = extractSection(text);
    expect(facts.checklist?.map((c) => [c.text, c.checked, text.slice(c.start, c.end)])).toEqual([
      ['Audit the tables', true, '| 1 | Audit the tables | Ana | | Done |'],
      [
        'Export records to `out/records.csv`',
        false,
        '| 2 | Export records to `out/records.csv` | Ana | #1 | |',
      ],
      ['Map plans to prices', false, '| 3 | Map plans to prices | | 1, 2, Billing team | in progress |'],
    ]);
    const [, second, third] = facts.checklist!;
    expect(second!.details).toEqual(['Owner: Ana']);
    expect(third!.details).toEqual(['Status: in progress']);
    // Rows named by id point at their items; anything else is a mention as in any dependency list.
    expect(
      second!.dependsOn?.map((m) => [m.text, m.item, text.slice(m.offset, m.offset + m.text.length)]),
    ).toEqual([['#1', 0, '#1']]);
    expect(third!.dependsOn?.map((m) => [m.text, m.item, m.external])).toEqual([
      ['1', 0, true],
      ['2', 1, true],
      ['Billing team', undefined, true],
    ]);
    // The rows' cells are still read: the path is the section's until the rows become tasks.
    expect(facts.filePaths).toEqual(['out/records.csv']);
    expect(facts.dependencies).toEqual([]);
  });

  it.each([
    [
      'a README table of tasks with no planning column',
      '| Task | Description |\n|---|---|\n| build | Compiles |\n| test | Runs jest |',
    ],
    [
      'a prerequisites table over stories',
      '| Task | Depends on |\n|---|---|\n| Story 3.1 | Story 2.1 |\n| Story 3.2 | Story 3.1 |',
    ],
    ['a table of one row', '| Task | Owner |\n|---|---|\n| Ship it | Ana |'],
    [
      'a table under a label',
      'Acceptance criteria:\n\n| Task | Owner |\n|---|---|\n| Ship it | Ana |\n| Test it | Ben |',
    ],
  ])('makes no checklist of %s', (_, table) => {
    expect(extractSection(`## Section\n\n${table}`).checklist).toBeUndefined();
  });

  it('lists the items a MoSCoW heading grades as its checklist, graded by the heading', () => {
    const graded = (heading: string) =>
      extractSection(`## ${heading}\n\n- Snooze a conversation\n- Undo send\n`);
    expect(graded('Must include').checklist?.map((c) => c.text)).toEqual([
      'Snooze a conversation',
      'Undo send',
    ]);
    expect(graded('Must include').priorityClass).toBe(PRIORITY_CLASS.must);
    expect(graded('Nice-to-haves:').priorityClass).toBe(PRIORITY_CLASS.could);
    expect(graded('**Should have**').priorityClass).toBe(PRIORITY_CLASS.should);
    // Out of scope, not work; and a plain list under any other heading is its deliverables.
    expect(graded("Won't have (this time)").checklist).toBeUndefined();
    expect(graded('Notes on snoozing').checklist).toBeUndefined();
    expect(graded('Optional').checklist).toBeUndefined();
    expect(graded('Notes on snoozing').deliverables).toEqual(['Snooze a conversation', 'Undo send']);
  });

  it('finds paths in backticks and in prose, but not and/or, CI/CD or Node.js', () => {
    const facts = extractSection(
      '### X\nEdit `src/a.ts`, docs/guide.md and src/lib/ for CI/CD and/or Node.js; see https://x.io/a.ts.',
    );
    expect(facts.filePaths).toEqual(['src/a.ts', 'docs/guide.md', 'src/lib/']);
    expect(pathIn('../secret.txt', 'backticked')).toBeUndefined();
    expect(pathIn('/etc/passwd', 'backticked')).toBeUndefined();
    expect(pathIn('./package.json', 'bare')).toBe('package.json');
  });

  it('reads dependencies from prose, labels and prerequisite tables, never from code', () => {
    const facts = extractSection(
      [
        '### Story 2: B',
        'Depends on Story 1 and "Login flow". Starts after Phase 1 is done.',
        '```',
        'depends on Story 99',
        '```',
        '| Item | Prerequisites |',
        '|---|---|',
        '| Story 3 | Story 2; JIRA-12 |',
      ].join('\n'),
    );
    expect(facts.dependencies.map((d) => [d.text, d.strength, d.external, d.subject?.text ?? null])).toEqual([
      ['Story 1', 'stated', false, null],
      ['Login flow', 'stated', false, null],
      ['Phase 1', 'loose', false, null],
      ['Story 2', 'stated', false, 'Story 3'],
      ['JIRA-12', 'stated', true, 'Story 3'],
    ]);
  });

  it('reads a dependency section: its sentences by the prose rule, its items as a list', () => {
    const facts = extractSection(
      [
        '### Dependencies',
        'Story 2.1 depends on Story 1.2. Nothing here depends on the network being up.',
        '- Story 1.1',
        '- Node 20',
      ].join('\n'),
      'dependencies',
    );
    expect(facts.dependencies.map((d) => [d.text, d.external, d.subject?.text ?? null])).toEqual([
      ['Story 1.2', false, 'Story 2.1'],
      ['Story 1.1', false, null],
      ['Node 20', true, null],
    ]);
  });

  it('drops a dependency-table row of notes whose first cell names no plan item', () => {
    const facts = extractSection(
      [
        '### Components',
        '| Component | Depends on |',
        '|---|---|',
        '| gateway | NATS, MongoDB |',
        '| Story 3 | Story 2, a Stripe key |',
      ].join('\n'),
    );
    expect(facts.dependencies.map((d) => [d.text, d.external, d.subject?.text ?? null])).toEqual([
      ['Story 2', false, 'Story 3'],
      ['Stripe key', true, 'Story 3'],
    ]);
  });

  it('grades risk from prose and protected paths, and reads stated priority and status', () => {
    expect(extractSection('### X\nDrop the legacy table.').riskSignals).toEqual(['data_deletion']);
    expect(extractSection('### X\nEdit `.github/workflows/ci.yml`.').riskSignals).toEqual(['protected_path']);
    expect(extractSection('### X\n```sql\nDELETE FROM users;\n```').riskSignals).toEqual([]);
    const facts = extractSection('### X (done)\nPriority: high\nRisk: low');
    expect(facts).toMatchObject({ priorityClass: 1, status: 'done', explicitRisk: 'low' });
  });

  it('splits a shell line into commands and refuses what needs a shell', () => {
    expect(commandsInLine('$ npm test -- --grep "two words"')).toEqual([
      ['npm', 'test', '--', '--grep', 'two words'],
    ]);
    expect(commandsInLine('cd app; npm test')).toEqual([['npm', 'test']]);
    expect(commandsInLine('npm test > out.txt')).toEqual([]);
    expect(commandsInLine('echo $(whoami)')).toEqual([]);
    expect(commandsInLine('NODE_ENV=test npm test')).toEqual([]);
  });
});

describe('extractSection scope (issue 17 item 3)', () => {
  it('keeps paths named as work and drops those that are cited, protected or not paths', () => {
    const facts = extractSection(
      [
        '## Task: Wire it',
        'Edit `src/wire.ts`. Files such as `src/example.ts` show the style, e.g. `src/other.ts`.',
        'Never touch `infra/prod.tf`; update `docs/wire.md` instead.',
        'Uses `nats.js`, the `import/no-cycle` rule, `token.map` and docs/backend/frontend/tests/database.',
      ].join('\n'),
    );
    expect(facts.filePaths).toEqual(['src/wire.ts', 'docs/wire.md']);
  });
});
