import type { TaskSpec } from '@autopilot/contracts';
import { buildContext } from './context-builder';
import { compactConversation, conversationTokens, type ChatMessage } from './conversation';

/** One token per word: easy to reason about in a test. */
const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;

const task: TaskSpec = {
  id: 't1',
  title: 'Add a sum function',
  kind: 'code',
  planNodeId: 'n1',
  dependsOn: [],
  scopePaths: ['src/**'],
  validationCommands: [['npm', 'test']],
  acceptanceCriteria: ['sum adds'],
};

describe('buildContext', () => {
  it('orders system prompt, task, anchor, plan excerpt under its heading path, files and hints', () => {
    const built = buildContext({
      systemPrompt: 'You are careful.',
      task,
      anchor: {
        id: 'a1',
        formatVersion: 1,
        text: 'A calculator people trust.',
        pivots: ['exact arithmetic'],
      },
      planExcerpt: { headingPath: ['Phase 1', 'Arithmetic'], text: 'Sum must add two numbers.' },
      files: [{ path: 'src/sum.ts', content: 'export const sum = 0;' }],
      hints: ['run npm test before finish'],
      budgetTokens: 1_000,
      countTokens: words,
    });
    expect(built.messages[0]).toEqual({ role: 'system', content: 'You are careful.' });
    const user = built.messages[1]?.content ?? '';
    const order = [
      '# Task t1: Add a sum function',
      'You may change only paths matching: src/**',
      '- npm test',
      '- sum adds',
      '# Intention',
      '- exact arithmetic',
      '# From the plan: Phase 1 > Arithmetic',
      '# File src/sum.ts',
      '- run npm test before finish',
    ];
    const positions = order.map((s) => user.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(built.leftOut).toEqual([]);
  });

  it('stays under the budget by cutting or leaving out the least important parts, never the task', () => {
    const big = Array.from({ length: 2_000 }, (_, i) => `word${i}`).join(' ');
    const built = buildContext({
      systemPrompt: 'sys',
      task,
      planExcerpt: { headingPath: ['H'], text: big },
      files: [
        { path: 'src/a.ts', content: big },
        { path: 'src/b.ts', content: big },
      ],
      hints: [],
      budgetTokens: 600,
      countTokens: words,
    });
    const total = built.messages.reduce((n, m) => n + words(String(m.content)), 0);
    expect(total).toBeLessThanOrEqual(600);
    expect(built.tokens).toBeLessThanOrEqual(600);
    expect(built.messages[1]?.content).toContain('# Task t1');
    expect(built.leftOut[0]).toBe('plan excerpt (cut)');
    expect(built.leftOut.at(-1)).toBe('file src/b.ts');
  });
});

describe('compactConversation', () => {
  const long = 'x '.repeat(500);
  function run(turns: number): ChatMessage[] {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'task' },
    ];
    for (let i = 0; i < turns; i++) {
      messages.push({
        role: 'assistant',
        content: null,
        toolCalls: [{ id: `c${i}`, name: 'view_file', arguments: '{}' }],
      });
      messages.push({ role: 'tool', toolCallId: `c${i}`, content: long });
    }
    return messages;
  }

  it('elides older tool outputs first, keeping the head and the recent messages whole', () => {
    const messages = run(6);
    const out = compactConversation(messages, 2_500, words);
    expect(out.tokens).toBeLessThanOrEqual(2_500);
    expect(out.droppedTurns).toBe(0);
    expect(out.messages.slice(0, 2)).toEqual(messages.slice(0, 2));
    expect(out.messages.slice(-6)).toEqual(messages.slice(-6));
    expect(out.messages[3]).toMatchObject({
      role: 'tool',
      content: expect.stringContaining('[output elided'),
    });
  });

  it('then drops the oldest turns whole, never a tool result without its call', () => {
    const messages = run(40);
    const out = compactConversation(messages, 1_700, words);
    expect(out.tokens).toBeLessThanOrEqual(1_700);
    expect(out.droppedTurns).toBeGreaterThan(0);
    expect(out.messages[2]).toMatchObject({
      role: 'user',
      content: expect.stringContaining('earlier turns left out'),
    });
    const calls = new Set(
      out.messages.flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.id) : [])),
    );
    for (const m of out.messages) if (m.role === 'tool') expect(calls.has(m.toolCallId)).toBe(true);
    // The cost of a call stops growing with the run's length.
    expect(
      conversationTokens(compactConversation(run(80), 1_700, words).messages, words),
    ).toBeLessThanOrEqual(1_700);
  });
});
