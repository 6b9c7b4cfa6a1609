import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { eventually } from '@autopilot/testing';
import { bin, cliEnv, ensureBuilt, repoRoot } from './cli-process';
import {
  gitRepo,
  ownPlanningDocuments,
  realHeadings,
  runPlan,
  startPlan,
  SHOP_BLUEPRINT,
  writeFiles,
} from './plan-fixtures';

interface PlanJson {
  blueprint: { id: string; version: number; digest: string; words: number };
  nodes: {
    id: string;
    kind: string;
    title: string;
    parentId: string | null;
    file: string | null;
    startLine: number | null;
    endLine: number | null;
    start: number;
    end: number;
  }[];
  tasks: {
    id: string;
    title: string;
    planNodeId: string;
    dependsOn: string[];
    scope: string[];
    validation: string[][];
    source: { file: string | null; startLine: number; endLine: number } | null;
    repoCheck: { commit: string; notes: { kind: string; subject: string; reason: string }[] } | null;
  }[];
  anchor: { id: string; text: string; pivots: string[] };
  questions: { pivot: string; text: string }[];
  gaps: { reportId: string; items: { kind: string }[]; proposal: { actions: unknown[] } | null } | null;
}

/**
 * A design document in the style of the team's DESIGN.md and STYLE.md, which did not plan before
 * issue 3's fix: numbered sections of prose where "depends on" is English ("recovery never depends
 * on one message surviving"), code fences holding `#` lines and a fake dependency, tables (one with
 * a "Depends on" column of free text), and stories that really depend on each other.
 */
function designDocument(): string {
  const fence = '```';
  return [
    '# Relay — design',
    '',
    'How the relay moves messages, and the work that builds it. Read section 2 before changing it.',
    '',
    '## 1. Three topologies, one code base',
    '',
    'The same modules run in one process or many; nothing depends on the network being up at start.',
    'How long a start takes depends on whether a broker answers.',
    '',
    '| topology | bus | store | depends on |',
    '|---|---|---|---|',
    '| embedded | in-process | SQLite | nothing |',
    '| cluster | NATS | MongoDB | a replica set, the network |',
    '',
    '## 2. Delivery rules (how nothing gets lost)',
    '',
    '- At-least-once everywhere; every handler is idempotent.',
    '- The tick reconciles stored state with what is in flight (runs whose lease expired,',
    '  tasks ready but not dispatched), so recovery never depends on one message surviving.',
    '- A replay does not depend on delivery order and no longer depends on clocks.',
    '',
    `${fence}ts`,
    '# a comment line, not a heading',
    "// a handler's ack depends on its result stream",
    fence,
    '',
    '## 3. Style',
    '',
    'The lint config has one allow-list, and the domain now depends on request context: it must not.',
    'Reviewers read "depends on" in prose as English and `a depends on b` in code as code.',
    'The planner reads "depends on", "after", "requires" and tables of prerequisites.',
    '',
    '~~~markdown',
    '## Story 9.9: Not a story',
    'Depends on Story 9.8.',
    '~~~',
    '',
    '## 4. Work',
    '',
    '### Story 4.1: Outbox table',
    '',
    'Create `src/outbox/outbox.ts` with its test `src/outbox/outbox.test.ts`.',
    '',
    '### Story 4.2: Relay loop',
    '',
    'Depends on Story 4.1.',
    '',
    'Write `src/relay/relay.ts`, so that recovery never depends on one message surviving.',
    '',
    `${fence}bash`,
    '# start a broker first',
    'npm test',
    fence,
    '',
    '### Story 4.3: Dead letters',
    '',
    'Blocked by: Story 4.2',
    '',
    'Write `src/relay/dead-letter.ts`; run `npx jest src/relay` after Story 4.2 is merged.',
    '',
  ].join('\n');
}

/** The headings a reader sees: lines starting with `#` outside ``` and ~~~ fences. */
function headingsOf(markdown: string): string[] {
  const headings: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined && line.startsWith('#')) headings.push(line.replace(/^#+\s*/, ''));
  }
  return headings;
}

describe('autopilot plan (the built bin: ingestion and planner in the embedded topology)', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ap-plan-e2e-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (rel: string, content: string | Buffer): string => {
    writeFiles(dir, { [rel]: content });
    return join(dir, rel);
  };

  it('plans a realistic document: real headings only, tasks with dependencies, a small anchor, the same bytes twice', () => {
    const file = write('shop/plan.md', SHOP_BLUEPRINT);
    const first = runPlan([file, '--json']);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const plan = JSON.parse(first.out) as PlanJson;

    const headings = realHeadings(SHOP_BLUEPRINT);
    expect(headings).not.toContain('not a heading');
    const titles = plan.nodes.map((n) => n.title);
    expect(titles).not.toContain('not a heading');
    for (const title of titles) expect(headings).toContain(title);
    expect(titles).toEqual(
      expect.arrayContaining(['Phase 1: Foundation', 'Story 1.2: Catalog', 'Story 2.1: Card payments']),
    );
    // Each node's offsets point at its own heading in the text.
    for (const node of plan.nodes) {
      expect(SHOP_BLUEPRINT.slice(node.start, node.end)).toContain(node.title);
    }

    const byTitle = new Map(plan.tasks.map((t) => [t.title, t]));
    const catalog = byTitle.get('Story 1.2: Catalog');
    const payments = byTitle.get('Story 2.1: Card payments');
    expect(catalog?.dependsOn).toContain(byTitle.get('Story 1.1: Repository layout')?.id);
    expect(payments?.dependsOn).toContain(catalog?.id);
    expect(catalog?.scope).toEqual(expect.arrayContaining(['src/catalog/catalog.ts']));
    expect(Buffer.byteLength(plan.anchor.text)).toBeLessThan(2048);
    expect(plan.blueprint).toMatchObject({ version: 1, digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(plan.gaps).toBeNull();

    const second = runPlan([file, '--json']);
    expect(second.code).toBe(0);
    expect(second.out).toBe(first.out);
  });

  it('plans a design document whose prose says "depends on": real headings, stated dependencies, the same bytes twice', () => {
    const markdown = designDocument();
    const file = write('design/relay.md', markdown);
    const first = runPlan([file, '--json']);
    expect({ code: first.code, err: first.err }).toEqual({ code: 0, err: '' });
    const plan = JSON.parse(first.out) as PlanJson;

    // The lone top-level heading is the document's title; every other heading is a node, in order.
    const [documentTitle, ...sections] = headingsOf(markdown);
    expect(documentTitle).toBe('Relay — design');
    expect(sections).toEqual([
      '1. Three topologies, one code base',
      '2. Delivery rules (how nothing gets lost)',
      '3. Style',
      '4. Work',
      'Story 4.1: Outbox table',
      'Story 4.2: Relay loop',
      'Story 4.3: Dead letters',
    ]);
    expect(plan.nodes.map((n) => n.title)).toEqual(sections);

    const tasks = new Map(plan.tasks.map((t) => [t.title, t]));
    const idOf = (title: string): string | undefined => tasks.get(title)?.id;
    expect(tasks.get('Story 4.2: Relay loop')?.dependsOn).toEqual([idOf('Story 4.1: Outbox table')]);
    expect(tasks.get('Story 4.3: Dead letters')?.dependsOn).toEqual([idOf('Story 4.2: Relay loop')]);
    // Prose, negations, quotes, tables of free text and code name no dependency.
    for (const title of sections.slice(0, 3))
      expect({ title, deps: tasks.get(title)?.dependsOn }).toEqual({ title, deps: [] });
    expect(Buffer.byteLength(plan.anchor.text)).toBeLessThan(2048);

    const second = runPlan([file, '--json']);
    expect(second.code).toBe(0);
    expect(second.out).toBe(first.out);
  });

  it('prints a readable tree by default: nodes under their parents, tasks with what they depend on', () => {
    const result = runPlan([write('tree/plan.md', SHOP_BLUEPRINT)]);
    expect(result.code).toBe(0);
    // The priority as people read it (class and place among siblings), not the raw sort number.
    expect(result.out).toMatch(/^- \[phase\] Phase 1: Foundation {2}\(priority unmarked #\d+, risk \w+\)$/m);
    expect(result.out).toMatch(/^ {2}- \[task_spec\] Story 1\.2: Catalog/m);
    expect(result.out).toMatch(/depends on: Story 1\.1: Repository layout/);
  });

  it('prints escape sequences from a document as text, never as terminal commands', () => {
    const file = write(
      'tree/escapes.md',
      '# Plan\n\n## Story 1: Login \u001b[2J\u001b]0;owned\u0007\n\n- Add `src/login.ts`\n',
    );
    const result = runPlan([file]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Story 1: Login \\x1b[2J\\x1b]0;owned\\x07');
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(result.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('with --repo, scans a real git repository, reports its gaps and checks every task against it', () => {
    const repo = join(dir, 'repo');
    gitRepo(repo, {
      'package.json': JSON.stringify({ name: 'shop', scripts: { build: 'tsc', test: 'jest' } }),
      'src/index.ts': 'export const shop = 1;\n',
      '.env': 'STRIPE_KEY=sk_test_123\n',
    });
    const result = runPlan([write('repo-plan.md', SHOP_BLUEPRINT), '--repo', repo, '--json']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.out) as PlanJson;
    expect(plan.gaps?.reportId).toEqual(expect.any(String));
    const kinds = plan.gaps?.items.map((g) => g.kind) ?? [];
    expect(kinds).toEqual(expect.arrayContaining(['protected_path_violation', 'missing_readme']));
    expect(plan.gaps?.proposal?.actions.length).toBeGreaterThan(0);

    // Every task was checked against the scanned commit (issue 17 items 2 and 3).
    const task = (title: string) => plan.tasks.find((t) => t.title === title)!;
    expect(plan.tasks.every((t) => t.repoCheck?.commit === plan.tasks[0]!.repoCheck?.commit)).toBe(true);
    expect(task('Story 1.2: Catalog').scope).toEqual([
      'src/catalog/catalog.ts',
      'src/catalog/catalog.test.ts',
    ]);
    expect(task('Story 1.2: Catalog').repoCheck?.notes.filter((n) => n.kind.startsWith('scope'))).toEqual([]);
    // docs/ is not in the repository: the new file is kept, flagged.
    const receipts = task('Story 2.2: Receipts');
    expect(receipts.scope).toEqual(['docs/receipts.md']);
    expect(receipts.repoCheck?.notes).toContainEqual(
      expect.objectContaining({ kind: 'scope_unverified', subject: 'docs/receipts.md' }),
    );
    // The blueprint's check stays; a task with none gets the repository's build and test scripts.
    expect(task('Story 1.1: Repository layout').validation).toEqual([
      ['npm', 'test'],
      ['npm', 'run', 'build'],
    ]);
    expect(task('Story 2.1: Card payments').validation).toEqual([
      ['npm', 'run', 'build'],
      ['npm', 'run', 'test'],
    ]);

    // What the check drops or doubts is said on stderr and, in the tree, under the task.
    const doubtful = write(
      'repo-doubtful.md',
      [
        '# Plan',
        '',
        '## Story 1: Adapter',
        '',
        'Rewrite `lib/legacy/adapter` and `src/index.ts`. Run `npm test` to check.',
        '',
        '## Story 2: Docs',
        '',
        'After Story 1.',
        '',
        'Document it in `docs/adapter.md`; check with `pytest -q`.',
        '',
      ].join('\n'),
    );
    const tree = runPlan([doubtful, '--repo', repo]);
    expect(tree.code).toBe(0);
    expect(tree.err).toBe(
      'autopilot plan: warning: checked against the repository: 1 scope path(s) dropped (not in the ' +
        'repository, no folder to create them in), 1 validation command(s) the repository cannot run as ' +
        "it stands; see each task's repository notes\n",
    );
    expect(tree.out).toContain('repository: scope dropped `lib/legacy/adapter`: the repository at');
    expect(tree.out).toContain('repository: scope unverified `docs/adapter.md`: a new file in folders');
    expect(tree.out).toContain('repository: validation cannot run `pytest -q`: the repository at');
  });

  it('plans a directory of files as one blueprint', () => {
    const root = join(dir, 'multi');
    writeFiles(root, {
      '01-foundation.md': '# Phase 1: Foundation\n\n## Story 1.1: Layout\n\nCreate `src/index.ts`.\n',
      '02-checkout.md':
        '# Phase 2: Checkout\n\n## Story 2.1: Pay\n\nDepends on Story 1.1.\n\nWrite `src/pay.ts`.\n',
      'notes.bin': Buffer.from([0, 1, 2, 3]),
    });
    const result = runPlan([root, '--json']);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.out) as PlanJson;
    expect(plan.nodes.map((n) => n.title)).toEqual(
      expect.arrayContaining([
        'Phase 1: Foundation',
        'Story 1.1: Layout',
        'Phase 2: Checkout',
        'Story 2.1: Pay',
      ]),
    );
    const pay = plan.tasks.find((t) => t.title === 'Story 2.1: Pay');
    expect(pay?.dependsOn).toEqual([plan.tasks.find((t) => t.title === 'Story 1.1: Layout')?.id]);
    // Every node says which file and lines it comes from; each file's top heading is a top-level node.
    expect(plan.nodes.map((n) => [n.title, n.file, n.startLine, n.endLine, n.parentId === null])).toEqual([
      ['Phase 1: Foundation', '01-foundation.md', 1, 5, true],
      ['Story 1.1: Layout', '01-foundation.md', 3, 5, false],
      ['Phase 2: Checkout', '02-checkout.md', 1, 7, true],
      ['Story 2.1: Pay', '02-checkout.md', 3, 7, false],
    ]);
    expect(pay?.source).toEqual({ file: '02-checkout.md', startLine: 3, endLine: 7 });
  });

  describe('input that is not a plan exits 3 with a warning, never a silent empty plan', () => {
    it.each([
      ['prose', 'We like short meetings and kind reviews. None of this is a plan.\n'],
      ['a lone code fence', '```ts\nexport const x = 1;\n```\n'],
    ])('%s', (name, text) => {
      const result = runPlan([write(`not-a-plan/${name.replace(/ /g, '-')}.md`, text), '--json']);
      expect(result.code).toBe(3);
      expect(result.err).toMatch(/is not a plan: no section asks for work/);
      expect((JSON.parse(result.out) as PlanJson).tasks).toEqual([]);
    });
    it('a checklist is one task per open item', () => {
      const file = write(
        'not-a-plan/todo.md',
        '# Todo\n\n- [ ] Login page\n- [ ] Password reset, after login page\n- [ ] Logout\n',
      );
      const result = runPlan([file, '--json']);
      expect(result.code).toBe(0);
      const plan = JSON.parse(result.out) as PlanJson;
      expect(plan.tasks.map((t) => t.title)).toEqual(['Login page', 'Password reset', 'Logout']);
      expect(plan.tasks[1]!.dependsOn).toEqual([plan.tasks[0]!.id]);
    });
  });

  it('reads - as standard input and writes --output to a file', () => {
    const out = join(dir, 'stdin-output/plan.json');
    writeFiles(dir, { 'stdin-output/.keep': '' });
    const r = spawnSync(process.execPath, [bin, 'plan', '-', '--json', '--output', out], {
      cwd: repoRoot,
      env: cliEnv(),
      input: '# Plan\n\n## Story 1: Alpha\n\nAdd `src/a.ts`.\n',
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ code: r.status, out: r.stdout, err: r.stderr }).toEqual({ code: 0, out: '', err: '' });
    const plan = JSON.parse(readFileSync(out, 'utf8')) as PlanJson;
    expect(plan.tasks.map((t) => t.title)).toEqual(['Story 1: Alpha']);
  });

  it('ends quietly when its reader closes the pipe (| head), without a stack trace', async () => {
    const stories = Array.from(
      { length: 2000 },
      (_, i) => `## Story ${i + 1}: Item ${i + 1}\n\nAdd \`src/s${i}.ts\`.\n`,
    );
    const file = write('epipe/big.md', `# Plan\n\n${stories.join('\n')}`);
    const child = spawn(process.execPath, [bin, 'plan', file], { cwd: repoRoot, env: cliEnv() });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    // Read the first chunk, then close the pipe as `head` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(err).not.toMatch(/EPIPE|Error:|\n\s+at /);
    expect(code).toBe(0);
  }, 60_000);

  it('stops on SIGINT: services stopped, exit 130', async () => {
    const stories = Array.from(
      { length: 6000 },
      (_, i) =>
        `## Story ${i + 1}: Item ${i + 1}\n\nAdd \`src/s${i}.ts\` with a paragraph long enough to be a big input.\n`,
    );
    const file = write('sigint/big.md', `# Plan\n\n${stories.join('\n')}`);
    const child = spawn(process.execPath, [bin, 'plan', file], { cwd: repoRoot, env: cliEnv() });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.resume();
    // Progress on stderr (a big input) says when it has started.
    await eventually(() => expect(err).toMatch(/starting the ingestion and planner services/), {
      timeoutMs: 30_000,
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    // Interrupted (130), unless the plan had already been printed when the signal came (0).
    expect([130, 0]).toContain(code);
    if (code === 130) expect(err).toMatch(/interrupted/);
  }, 60_000);

  describe('bad input exits 2 with a message naming what and where', () => {
    const expectRejected = (path: string, message: RegExp): void => {
      const result = runPlan([path, '--json']);
      expect(result.out).toBe('');
      expect(result.err).toMatch(message);
      expect(result.code).toBe(2);
    };

    it('an empty file', () => {
      const file = write('bad/empty.md', '');
      expectRejected(file, new RegExp(`${file}: .*empty`));
    });
    it('a binary file', () => {
      const file = write('bad/binary.md', Buffer.from([0x23, 0x20, 0x41, 0x00, 0x01, 0x02, 0x00, 0xff]));
      expectRejected(file, new RegExp(`${file}.*binary`, 'i'));
    });
    it('invalid UTF-8', () => {
      const file = write('bad/latin1.md', Buffer.from('# Caf\xe9\n\nSome text.\n', 'latin1'));
      expectRejected(file, new RegExp(`${file}.*UTF-8`));
    });
    it('a directory with no text files', () => {
      const root = join(dir, 'bad/no-text');
      writeFiles(root, { 'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
      expectRejected(root, /no-text: no \.md, \.markdown or \.txt files/);
    });
    it('a dependency cycle, naming the cycle', () => {
      const file = write(
        'bad/cycle.md',
        '# Plan\n\n## Story 1: Alpha\n\nDepends on Story 2.\n\n- do A\n\n## Story 2: Beta\n\nDepends on Story 1.\n\n- do B\n',
      );
      expectRejected(
        file,
        /dependency cycle.*Story 1: Alpha \(task-[^)]+\) → Story 2: Beta \(task-[^)]+\) → Story 1: Alpha/,
      );
    });
    it('a --dir that holds an earlier run re-plans: plan v2 keeps the ids of unchanged tasks', () => {
      const first =
        '# Plan\n\n## Story 1: Alpha\n\n- Add `src/a.ts`\n\n## Story 2: Beta\n\n- Add `src/b.ts`\n';
      const file = write('used-dir/plan.md', first);
      const state = join(dir, 'used-dir/state');
      const v1 = runPlan([file, '--json', '--dir', state]);
      expect(v1.code).toBe(0);
      write('used-dir/plan.md', first.replace('src/b.ts', 'src/b2.ts'));
      const v2 = runPlan([file, '--json', '--dir', state]);
      expect({ code: v2.code, err: v2.err }).toEqual({ code: 0, err: '' });
      const [p1, p2] = [v1, v2].map((r) => JSON.parse(r.out) as PlanJson);
      expect([p1!.blueprint.version, p2!.blueprint.version]).toEqual([1, 2]);
      expect(p2!.tasks.map((t) => t.id)).toEqual(p1!.tasks.map((t) => t.id));
      expect(p2!.tasks.map((t) => t.scope)).toEqual([['src/a.ts'], ['src/b2.ts']]);
    });
    it('two runs started together on one --dir: one plans, the other is refused at once naming it', async () => {
      const file = write('shared-dir/plan.md', '# Plan\n\n## Story 1: Alpha\n\n- Add `src/a.ts`\n');
      for (let round = 0; round < 3; round++) {
        const state = join(dir, `shared-dir/state-${round}`);
        const runs = await Promise.all([
          startPlan([file, '--json', '--dir', state]),
          startPlan([file, '--json', '--dir', state]),
        ]);
        const codes = runs.map((r) => r.code).sort();
        // The loser either finds the directory taken, or (when the winner already finished and
        // released it) re-plans the same blueprint: never two runs on one store at once.
        expect({ round, codes }).toEqual({ round, codes: expect.arrayContaining([0]) as unknown });
        const loser = runs.find((r) => r.code !== 0);
        if (loser) {
          expect(loser.code).toBe(2);
          expect(loser.out).toBe('');
          expect(loser.err).toMatch(/is taken by another autopilot plan \(process \d+\)/);
        }
      }
    }, 120_000);
    it('more sections than a blueprint may have (100,001 headings), naming where', () => {
      const headings = Array.from({ length: 100_001 }, (_, i) => `## S${i}\n\nx\n`).join('\n');
      const file = write('bad/too-many-sections.md', headings);
      expectRejected(file, new RegExp(`${file}.*100001 sections .*at most 100000`));
    });
    it('a dependency on a missing node, naming it and where', () => {
      const file = write('bad/missing.md', '# Plan\n\n## Story 1: Alpha\n\nDepends on Story 9.\n\n- do A\n');
      expectRejected(file, /"Story 1: Alpha".*depends on "Story 9" at offset \d+ \(line 5\)/);
    });
  });

  it("reads this repository's README as what it is: a user document, not a plan (exit 3, said why)", () => {
    for (const doc of ownPlanningDocuments()) {
      const result = runPlan([doc, '--json']);
      expect(result.code).toBe(3);
      expect(result.err).toMatch(/README\.md is not a plan: no section asks for work/);
      const plan = JSON.parse(result.out) as PlanJson;
      // Titles lose markup and trailing colons: compared with the headings as plain text.
      const headings = realHeadings(readFileSync(doc, 'utf8')).map((h) =>
        h
          .replace(/[`*_]/g, '')
          .replace(/[\s:;,.]+$/, '')
          .trim(),
      );
      expect(plan.nodes.length).toBeGreaterThan(0);
      expect(plan.tasks).toEqual([]);
      for (const node of plan.nodes) expect(headings).toContain(node.title);
      expect(Buffer.byteLength(plan.anchor.text)).toBeLessThan(2048);
    }
  });
});
