import { closeObjectSchemas, IntentionAnchor, validateSchema } from '@autopilot/contracts';
import { sha256Hex } from '@autopilot/kernel';
import {
  anchorFromBlueprint,
  AnchorInputError,
  AnchorSectionRangeError,
  type IntentionAnchorV2,
} from './anchor';
import { blueprintOf, FULL_BLUEPRINT } from './anchor-fixtures.test-support';
import { utf8Length } from './anchor-text';
import { PIVOT_TYPES } from './pivot-types';

/** The content hash the app passes (domain code receives it as data). */
const hash = sha256Hex;

/** Every blueprint statement must be a verbatim quote: its offsets slice to text containing it. */
function expectNothingInvented(anchor: IntentionAnchorV2, text: string): void {
  for (const pivot of anchor.typedPivots) {
    for (const s of pivot.statements) {
      if (s.source === 'project_input') continue;
      expect(s.start).toBeDefined();
      expect(text.slice(s.start, s.end)).toContain(s.text);
    }
  }
}

const statementsOf = (anchor: IntentionAnchorV2, type: string) =>
  anchor.typedPivots.find((p) => p.type === type)?.statements.map((s) => s.text) ?? [];

describe('anchorFromBlueprint', () => {
  it('fills all eight pivots of a full blueprint from its sections, quoting each statement', () => {
    const anchor = anchorFromBlueprint(blueprintOf(FULL_BLUEPRINT), { hash });

    expect(anchor.formatVersion).toBe(2);
    expect(anchor.typedPivots.map((p) => p.type)).toEqual([...PIVOT_TYPES]);
    expect(anchor.questions).toEqual([]);
    expect(statementsOf(anchor, 'north_star')).toEqual([
      'Customers pay by card in under 30 seconds on a phone.',
      'Cut checkout abandonment from 40% to 25% by Q3.',
    ]);
    expect(statementsOf(anchor, 'scope')).toContain('We do not touch `legacy/billing/` at all.');
    expect(statementsOf(anchor, 'safety')).toEqual([
      'Card numbers never touch our servers.',
      "Payment goes through the provider's hosted fields.",
      'Secrets live in the vault, never in the repository.',
    ]);
    expect(statementsOf(anchor, 'budget')).toEqual(['| Item | Monthly cap |', '| LLM calls | $200 |']);
    expect(statementsOf(anchor, 'parallelism')).toEqual([
      'At most three stories run in parallel, each in its own worktree.',
    ]);
    // Emphasis markers are dropped from the text, but a glob in a code span keeps its stars.
    expect(anchor.text).toContain('Governance / review: All changes to `infra/**` need a second reviewer.');
    expectNothingInvented(anchor, FULL_BLUEPRINT);
    expect(validateSchema(closeObjectSchemas(IntentionAnchor), anchor)).toEqual([]);
  });

  it('ranks a document-level section above a story-level one, and reads Label: lines', () => {
    const anchor = anchorFromBlueprint(blueprintOf(FULL_BLUEPRINT), { hash });
    const evidence = anchor.typedPivots.find((p) => p.type === 'evidence')!.statements;
    expect(evidence.map((s) => s.heading)).toEqual([
      'Testing strategy',
      'Testing strategy',
      'Acceptance criteria',
    ]);
    expect(evidence[2]!.text).toBe('Acceptance criteria: totals include tax and shipping.');
  });

  it('never takes a heading or a label from inside a code fence', () => {
    const text = '# Plan\n\n```md\n## Budget\n\nBudget: $1000 a day.\n```\n\n## Goals\n\nShip it.\n';
    const anchor = anchorFromBlueprint(blueprintOf(text), { hash });
    expect(statementsOf(anchor, 'budget')).toEqual([]);
    expect(anchor.questions.map((q) => q.pivot)).toContain('budget');
    expect(statementsOf(anchor, 'north_star')).toEqual(['Ship it.']);
  });

  it('turns each unstated pivot of a sparse blueprint into one question, in pivot order, inventing nothing', () => {
    const text =
      '# Notes app\n\n## Vision\n\nNotes sync across devices.\n\n## Tests\n\n- Sync has an e2e test.\n';
    const anchor = anchorFromBlueprint(blueprintOf(text), { hash });

    expect(anchor.questions.map((q) => q.pivot)).toEqual([
      'safety',
      'scope',
      'budget',
      'memory',
      'governance',
      'parallelism',
    ]);
    expect(anchor.questions.length).toBeLessThanOrEqual(8);
    for (const q of anchor.questions) {
      const label = anchor.typedPivots.find((p) => p.type === q.pivot)!.label;
      expect(q.text.startsWith(label)).toBe(true);
    }
    for (const type of ['safety', 'scope', 'budget', 'memory', 'governance', 'parallelism']) {
      expect(statementsOf(anchor, type)).toEqual([]);
    }
    expectNothingInvented(anchor, text);
    expect(anchor.text).toContain('North star / value: Notes sync across devices.');
    expect(anchor.text).toContain('Unstated (ask, do not assume): Safety / risk; Scope / boundaries;');
  });

  it('asks all eight questions, and no more, for a blueprint that states nothing', () => {
    const anchor = anchorFromBlueprint(blueprintOf('# Untitled\n\nSome words.\n'), { hash });
    expect(anchor.questions).toHaveLength(8);
    expect(anchor.typedPivots.every((p) => p.statements.length === 0)).toBe(true);
    expect(anchor.pivots).toEqual([]);
  });

  it('puts project inputs first, lets them replace a pivot, and quotes structured inputs', () => {
    const anchor = anchorFromBlueprint(blueprintOf(FULL_BLUEPRINT), {
      hash,
      inputs: {
        statements: {
          north_star: ['Checkout that converts.'],
          budget: ['Keep LLM spend under $150 a month.'],
        },
        replaceBlueprint: ['budget'],
        budgets: { runUsd: 5, dailyUsd: 50 },
        maxParallel: 2,
        autonomyMode: 'semi_auto',
        protectedPaths: ['infra/**', 'deploy/**'],
      },
    });

    const northStar = anchor.typedPivots.find((p) => p.type === 'north_star')!.statements;
    expect(northStar[0]).toEqual({
      text: 'Checkout that converts.',
      source: 'project_input',
      input: 'statements.north_star',
    });
    expect(northStar[1]!.source).toBe('blueprint');
    expect(statementsOf(anchor, 'budget')).toEqual([
      'Keep LLM spend under $150 a month.',
      'Spending caps: $5 per run, $50 per day.',
    ]);
    expect(statementsOf(anchor, 'parallelism')[0]).toBe('At most 2 runs at once, each in its own worktree.');
    expect(statementsOf(anchor, 'governance')[0]).toBe('Autonomy mode: semi_auto.');
    expect(statementsOf(anchor, 'safety')[0]).toBe(
      'Changes to `infra/**`, `deploy/**` always need approval.',
    );
  });

  it('takes Safety / risk from a rollback plan', () => {
    const text = '# Invoices to Stripe\n\n## Rollback plan\n\nSet BILLING_PROVIDER=legacy and redeploy.\n';
    const anchor = anchorFromBlueprint(blueprintOf(text), { hash });
    expect(statementsOf(anchor, 'safety')).toEqual(['Set BILLING_PROVIDER=legacy and redeploy.']);
    expect(anchor.questions.map((q) => q.pivot)).not.toContain('safety');
  });

  it('answers a question from inputs alone', () => {
    const text = '# Notes app\n\n## Vision\n\nNotes sync.\n';
    const anchor = anchorFromBlueprint(blueprintOf(text), { hash, inputs: { budgets: { weeklyUsd: 20 } } });
    expect(anchor.questions.map((q) => q.pivot)).not.toContain('budget');
    expect(statementsOf(anchor, 'budget')).toEqual(['Spending caps: $20 per week.']);
  });

  it('refuses inputs it cannot use, naming the field', () => {
    const bp = blueprintOf('# A\n');
    expect(() => anchorFromBlueprint(bp, { hash, inputs: { budgets: { dailyUsd: -1 } } })).toThrow(
      AnchorInputError,
    );
    expect(() => anchorFromBlueprint(bp, { hash, inputs: { maxParallel: 0 } })).toThrow('maxParallel');
    expect(() => anchorFromBlueprint(bp, { hash, inputs: { statements: { scope: ['  '] } } })).toThrow(
      'statements.scope[0]',
    );
    expect(() =>
      anchorFromBlueprint(bp, {
        hash,
        inputs: { statements: { vibes: ['x'] } as unknown as Record<'scope', string[]> },
      }),
    ).toThrow('statements.vibes');
  });

  it('refuses a section whose offsets fall outside the text, naming the section', () => {
    const error = (() => {
      try {
        anchorFromBlueprint(
          { text: '# A\n', sections: [{ title: 'A', level: 1, start: 0, end: 99 }] },
          { hash },
        );
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AnchorSectionRangeError);
    expect((error as AnchorSectionRangeError).code).toBe('PLANNER_ANCHOR_SECTION_RANGE');
    expect((error as Error).message).toContain('"A" spans [0, 99)');
  });

  it('is deterministic, and its id follows the statements, not their offsets', () => {
    const a = anchorFromBlueprint(blueprintOf(FULL_BLUEPRINT), { hash });
    const b = anchorFromBlueprint(blueprintOf(FULL_BLUEPRINT), { hash });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.id).toMatch(/^anchor-[0-9a-f]{24}$/);

    const shifted = anchorFromBlueprint(blueprintOf(`Preface paragraph.\n\n${FULL_BLUEPRINT}`), { hash });
    expect(shifted.id).toBe(a.id);
    expect(shifted.typedPivots[0]!.statements[0]!.start).not.toBe(a.typedPivots[0]!.statements[0]!.start);

    const changed = anchorFromBlueprint(
      blueprintOf(FULL_BLUEPRINT.replace('under 30 seconds', 'under 20 seconds')),
      { hash },
    );
    expect(changed.id).not.toBe(a.id);
  });

  it('keeps the anchor text under 2 KB for a 500k-word blueprint, cutting on word boundaries', () => {
    const words = (n: number, seed: string) =>
      Array.from({ length: n }, (_, i) => `${seed}${i % 97}`).join(' ');
    const parts: string[] = ['# Huge plan\n'];
    // Every pivot stated at length (long sentences, multi-byte text), then thousands of stories.
    for (const heading of [
      'Goals',
      'Security',
      'Testing',
      'Non-goals',
      'Budget',
      'Memory',
      'Review',
      'Concurrency',
    ]) {
      parts.push(
        `## ${heading}\n\n${words(400, 'ünïcødé✓')}. ${words(400, 'word')}.\n\n- ${words(300, '🚀x')}\n`,
      );
    }
    let count = parts.join('\n').split(/\s+/).length;
    let story = 0;
    while (count < 510_000) {
      const body = `### Story ${story}\n\nAcceptance criteria: ${words(40, 'a')}.\n\n${words(160, 'w')}.\n`;
      parts.push(body);
      count += body.split(/\s+/).length;
      story++;
    }
    const text = parts.join('\n');
    expect(text.split(/\s+/).length).toBeGreaterThanOrEqual(500_000);

    const anchor = anchorFromBlueprint(blueprintOf(text), { hash });

    expect(utf8Length(anchor.text)).toBeLessThan(2048);
    expect(Buffer.byteLength(anchor.text, 'utf8')).toBe(utf8Length(anchor.text));
    expect(anchor.questions).toEqual([]);
    for (const line of anchor.text.split('\n')) {
      // Each pivot got its share: no pivot's line was squeezed out by another.
      expect(line.length).toBeGreaterThan(100);
      // Cut after a whole word: the ellipsis follows a complete token of the source.
      expect(line).toMatch(/(ünïcødé✓\d+|word\d+|🚀x\d+|a\d+|w\d+)…$/u);
    }
    for (const line of anchor.pivots) expect(line.length).toBeLessThanOrEqual(500);
    expectNothingInvented(anchor, text);
  });

  it('joins hard-wrapped statements and never takes a pivot from an FAQ (issue 17 item 7)', () => {
    const text = [
      '# Tool',
      '',
      '## Goals',
      '',
      '- Detect every toolchain our users run, as the nats.js client does with its',
      '  transports: one port, one adapter each.',
      '',
      '## FAQ',
      '',
      '### Why does it not lock dependency versions?',
      '',
      'Lock files like `package-lock.json` are helpful for deployed applications.',
      '',
    ].join('\n');
    const anchor = anchorFromBlueprint(blueprintOf(text), { hash });
    const northStar = statementsOf(anchor, 'north_star');
    expect(northStar).toHaveLength(1);
    expect(northStar[0]!.replace(/\s+/g, ' ')).toBe(
      'Detect every toolchain our users run, as the nats.js client does with its transports: one port, one adapter each.',
    );
    expect(anchor.text).not.toMatch(/Lock files/);
    expectNothingInvented(anchor, text);
  });

  it("takes a document's Done when as its evidence, no pivot from a sentence-long title, and marks a cut statement", () => {
    const long =
      'Tried as a new user would on documents nobody here wrote (the READMEs of jest, typescript, ' +
      'better-sqlite3, @nats-io/jetstream and eslint, and the design notes in the shared folder), ' +
      'most tasks are not something a person or an agent could act on, and each defect below turns ' +
      'into wasted model spend or wrong work once the worker is handed these tasks.';
    const text = [
      '# Plans a coding agent can act on: real documents become tasks with meaning, scope, checks and order',
      '',
      '## Goal',
      '',
      long,
      '',
      '## Must include',
      '',
      '1. Tasks a person would write.',
      '',
      '## Done when',
      '',
      'The corpus agreement figures are printed by a test; re-planning works from the CLI.',
      '',
    ].join('\n');
    const anchor = anchorFromBlueprint(blueprintOf(text), { hash });
    expect(statementsOf(anchor, 'evidence')).toEqual([
      'The corpus agreement figures are printed by a test; re-planning works from the CLI.',
    ]);
    expect(anchor.questions.map((q) => q.pivot)).not.toContain('evidence');
    // A title that mentions scope in passing is a sentence, not a Scope section.
    expect(statementsOf(anchor, 'scope')).toEqual([]);
    const [cut] = anchor.typedPivots.find((p) => p.type === 'north_star')!.statements;
    expect(cut).toMatchObject({ truncated: true });
    expect(long.startsWith(cut!.text)).toBe(true);
    expect(anchor.text).toContain(`North star / value: ${cut!.text}…`);
    expectNothingInvented(anchor, text);
  });
});
