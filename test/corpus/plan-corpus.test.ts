import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlanTopology } from '@autopilot/cli';
import type { PlanNode, TaskSpec } from '@autopilot/contracts';
import { readBlueprintSource } from '@autopilot/ingestion';
import { createLogger } from '@autopilot/runtime';
import { packageDocuments, sharedDesignNotes } from './corpus-documents';
import type { CorpusExpectation } from './corpus-expectation';
import { WRITTEN_PLANS } from './corpus-plans';

/**
 * Issue 17 item 10: the planner on documents nobody here wrote (READMEs and guides from
 * node_modules) and on plans written the ways people write them, through the same services
 * `autopilot plan` runs. Per document it prints how far the plan agrees with what a person expects
 * (recall and precision of the expected tasks, non-work headings made tasks, expected orderings
 * found) and fails below a floor or on any of the defects issue 17 lists.
 */

const FLOOR = { recall: 1, precision: 1, order: 1 } as const;

/** Markup, badges, entities and trailing punctuation a task title must not keep. */
const MARKUP = /\]\(|!\[|\*\*|`|<[a-z/]|&#?\w+;|__/i;
const TRAILING_PUNCTUATION = /[:;,.]$/;
/** Headings that, bare, say nothing about what to do. */
const GENERIC_TITLES =
  /^(goal|goals|approach|work items|deliverables|acceptance criteria|notes|basics|overview|summary|details|implementation|validation)$/i;
/** Validation commands that install, fetch or run a program rather than check the work. */
const NOT_A_CHECK =
  /^(npm (install|i|ci|add)\b|yarn add|pnpm (add|install)|pip3? install|deno add|git |node |brew |apt)/;
const BARE_TOOLS = new Set(['jest', 'tsc', 'eslint', 'vitest', 'prettier', 'mocha', 'node', 'deno']);

interface Agreement {
  document: string;
  tasks: number;
  recall: number;
  precision: number;
  nonWorkAsTasks: number;
  order: string;
  defects: string[];
}

const matches = (task: TaskSpec, fragment: string): boolean =>
  task.title.toLowerCase().includes(fragment.toLowerCase());

function waitsFor(tasks: readonly TaskSpec[], later: TaskSpec, earlier: TaskSpec): boolean {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const seen = new Set<string>();
  const stack = [...later.dependsOn];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === earlier.id) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return false;
}

/** The defects of issue 17's "What was seen", as found in one plan's tasks. */
function defectsOf(doc: CorpusExpectation, tasks: readonly TaskSpec[]): string[] {
  const defects: string[] = [];
  const work = tasks.filter((t) => t.gate !== true);
  const titles = new Map<string, number>();
  for (const t of work) titles.set(t.title, (titles.get(t.title) ?? 0) + 1);
  for (const [title, n] of titles) if (n > 1) defects.push(`${n} tasks titled "${title}"`);
  for (const t of work) {
    const name = `"${t.title}"`;
    if (MARKUP.test(t.title)) defects.push(`${name} keeps markup`);
    if (TRAILING_PUNCTUATION.test(t.title)) defects.push(`${name} ends in punctuation`);
    if (GENERIC_TITLES.test(t.title)) defects.push(`${name} does not stand on its own`);
    if (/\?$/.test(t.title)) defects.push(`${name} is a question, not work`);
    for (const heading of doc.notWork) {
      if (t.title.toLowerCase() === heading.toLowerCase())
        defects.push(`${name} is a reference heading made a task`);
    }
    for (const glob of doc.notScope)
      if (t.scopePaths.includes(glob)) defects.push(`${name} has scope ${glob}`);
    for (const glob of t.scopePaths) {
      if (/^\.git(\/|$)|^\.github\/workflows/.test(glob)) defects.push(`${name} has protected scope ${glob}`);
    }
    for (const argv of t.validationCommands) {
      const line = argv.join(' ');
      if (NOT_A_CHECK.test(line)) defects.push(`${name} validates with "${line}"`);
      if (argv.length === 1 && BARE_TOOLS.has(argv[0]!))
        defects.push(`${name} validates with bare "${line}"`);
    }
    if (!t.description || t.description.length < 40) defects.push(`${name} has no body`);
    if (!t.source || t.source.startLine < 1 || t.source.endLine < t.source.startLine)
      defects.push(`${name} has no source line range`);
    if (!t.why?.priority || !t.why.risk) defects.push(`${name} does not say why its priority and risk`);
  }
  return defects;
}

/** Plan nodes (tasks or not) keep no markup, badge or trailing colon in their titles, and say where they are. */
function nodeDefectsOf(nodes: readonly PlanNode[]): string[] {
  const defects: string[] = [];
  for (const n of nodes) {
    if (MARKUP.test(n.title)) defects.push(`node "${n.title}" keeps markup`);
    if (TRAILING_PUNCTUATION.test(n.title)) defects.push(`node "${n.title}" ends in punctuation`);
    if (n.startLine === undefined || n.endLine === undefined)
      defects.push(`node "${n.title}" has no line range`);
  }
  return defects;
}

function agreementOf(
  doc: CorpusExpectation,
  tasks: readonly TaskSpec[],
  nodes: readonly PlanNode[],
): Agreement {
  const work = tasks.filter((t) => t.gate !== true);
  const found = doc.tasks.filter((f) => work.some((t) => matches(t, f)));
  const expected = work.filter((t) => doc.tasks.some((f) => matches(t, f)));
  const nonWork = work.filter((t) =>
    doc.notWork.some((h) => t.title.toLowerCase().startsWith(h.toLowerCase())),
  );
  const orders = doc.order.filter(([a, b]) => {
    const earlier = work.find((t) => matches(t, a));
    const later = work.find((t) => matches(t, b));
    return earlier !== undefined && later !== undefined && waitsFor(tasks, later, earlier);
  });
  const defects = [...defectsOf(doc, tasks), ...nodeDefectsOf(nodes)];
  for (const [fragment, globs] of Object.entries(doc.scope)) {
    const t = work.find((x) => matches(x, fragment));
    for (const g of globs) if (!t?.scopePaths.includes(g)) defects.push(`"${fragment}" lacks scope ${g}`);
  }
  for (const [fragment, commands] of Object.entries(doc.validation)) {
    const t = work.find((x) => matches(x, fragment));
    const got = (t?.validationCommands ?? []).map((c) => c.join(' '));
    if (JSON.stringify(got) !== JSON.stringify(commands.map((c) => c.join(' '))))
      defects.push(`"${fragment}" validates with ${JSON.stringify(got)}`);
  }
  for (const [fragment, criteria] of Object.entries(doc.criteria)) {
    const t = work.find((x) => matches(x, fragment));
    for (const c of criteria) {
      if (!(t?.acceptanceCriteria ?? []).some((a) => a.includes(c)))
        defects.push(`"${fragment}" lacks the criterion "${c}"`);
    }
  }
  if (doc.notAPlan && work.length > 0) defects.push(`not a plan, yet ${work.length} tasks`);
  return {
    document: doc.name,
    tasks: work.length,
    recall: doc.tasks.length === 0 ? 1 : found.length / doc.tasks.length,
    precision: work.length === 0 ? 1 : expected.length / work.length,
    nonWorkAsTasks: nonWork.length,
    order: `${orders.length}/${doc.order.length}`,
    defects,
  };
}

describe('the planner on a corpus of real documents (issue 17)', () => {
  const shared = sharedDesignNotes();
  const corpus = [...packageDocuments(), ...WRITTEN_PLANS, ...shared.found];
  const results: Agreement[] = [];
  let dir: string;
  let topology: PlanTopology;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ap-plan-corpus-'));
    const logger = createLogger({ service: 'corpus', level: 'fatal', destination: process.stderr });
    topology = await PlanTopology.start({ dir: join(dir, 'state'), logger, outboxIntervalMs: 20 });
  }, 60_000);

  afterAll(async () => {
    await topology?.stop();
    rmSync(dir, { recursive: true, force: true });
    const rows = results.map(
      (r) =>
        `${r.document.padEnd(72)} tasks ${String(r.tasks).padStart(3)}  recall ${r.recall.toFixed(2)}  ` +
        `precision ${r.precision.toFixed(2)}  non-work as tasks ${r.nonWorkAsTasks}  order ${r.order}` +
        (r.defects.length > 0 ? `  defects ${r.defects.length}` : ''),
    );
    const absent = shared.absent.map((p) => `(not on this machine, not planned: ${p})`);
    console.log(['plan corpus agreement:', ...rows, ...absent].join('\n'));
  });

  it('has at least ten documents nobody here wrote, each under a permissive licence', () => {
    const foreign = corpus.filter((d) => d.licence !== undefined);
    expect(foreign.length).toBeGreaterThanOrEqual(10);
  });

  it.each(corpus.map((d, i) => [d.name, i] as const))(
    '%s',
    async (_name, i) => {
      const doc = corpus[i]!;
      const docDir = join(dir, 'docs', String(i));
      mkdirSync(join(docDir, ...doc.file.split('/').slice(0, -1)), { recursive: true });
      const path = join(docDir, doc.file);
      writeFileSync(path, doc.text);
      const planned = await topology.planBlueprint(await readBlueprintSource(path), `corpus-${i}`);
      const agreement = agreementOf(doc, planned.tasks.tasks, planned.plan.nodes);
      results.push(agreement);
      expect(agreement.defects).toEqual([]);
      expect(agreement.recall).toBeGreaterThanOrEqual(FLOOR.recall);
      expect(agreement.precision).toBeGreaterThanOrEqual(FLOOR.precision);
      expect(agreement.order).toBe(`${doc.order.length}/${doc.order.length}`);
    },
    30_000,
  );
});
