import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './cli-process';
import {
  gitRepo,
  ownPlanningDocuments,
  realHeadings,
  runPlan,
  SHOP_BLUEPRINT,
  writeFiles,
} from './plan-fixtures';

interface PlanJson {
  blueprint: { id: string; version: number; digest: string; words: number };
  nodes: { id: string; kind: string; title: string; parentId: string | null; start: number; end: number }[];
  tasks: { id: string; title: string; planNodeId: string; dependsOn: string[]; scope: string[] }[];
  anchor: { id: string; text: string; pivots: string[] };
  questions: { pivot: string; text: string }[];
  gaps: { reportId: string; items: { kind: string }[]; proposal: { actions: unknown[] } | null } | null;
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

  it('prints a readable tree by default: nodes under their parents, tasks with what they depend on', () => {
    const result = runPlan([write('tree/plan.md', SHOP_BLUEPRINT)]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^- \[phase\] Phase 1: Foundation {2}\(priority \d+, risk \w+\)$/m);
    expect(result.out).toMatch(/^ {2}- \[task_spec\] Story 1\.2: Catalog/m);
    expect(result.out).toMatch(/depends on: Story 1\.1: Repository layout/);
  });

  it('with --repo, scans a real git repository and reports its gaps', () => {
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
  });

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
    it('a dependency on a missing node, naming it and where', () => {
      const file = write('bad/missing.md', '# Plan\n\n## Story 1: Alpha\n\nDepends on Story 9.\n\n- do A\n');
      expectRejected(file, /"Story 1: Alpha".*depends on "Story 9" at offset \d+ \(line 5\)/);
    });
  });

  it("plans this repository's own planning documents", () => {
    for (const doc of ownPlanningDocuments()) {
      const result = runPlan([doc, '--json']);
      expect({ doc, code: result.code, err: result.err }).toEqual({ doc, code: 0, err: '' });
      const plan = JSON.parse(result.out) as PlanJson;
      const headings = realHeadings(readFileSync(doc, 'utf8'));
      expect(plan.nodes.length).toBeGreaterThan(0);
      for (const node of plan.nodes) expect(headings).toContain(node.title);
      expect(Buffer.byteLength(plan.anchor.text)).toBeLessThan(2048);
    }
  });
});
