import { compactConversation } from './context-compactor';
import type { ModelMessage } from './model-messages';
import { tiktokenCounter } from './token-counter';

/** A run of `steps` view_file calls, each answered with `lines` numbered lines. */
function longRun(steps: number, lines = 150): ModelMessage[] {
  const messages: ModelMessage[] = [
    { role: 'system', content: 'You are a careful engineer. Use the tools.' },
    { role: 'user', content: 'Task: make `add` in src/math.ts handle negative numbers.' },
  ];
  for (let i = 0; i < steps; i++) {
    const id = `call_${i}`;
    messages.push({
      role: 'assistant',
      content: `Step ${i}: I will read the next file to understand how the numbers flow through it.`,
      toolCalls: [{ id, name: 'view_file', argumentsJson: JSON.stringify({ path: `src/f${i}.ts` }) }],
    });
    const body = Array.from(
      { length: lines },
      (_, n) => `${n + 1}\texport const v${n} = compute(${n}, ${i});`,
    );
    messages.push({ role: 'tool', toolCallId: id, content: body.join('\n') });
  }
  return messages;
}

describe('compactConversation', () => {
  it('leaves a conversation under budget unchanged', () => {
    const messages = longRun(1, 5);
    const result = compactConversation(messages, tiktokenCounter);
    expect(result).toMatchObject({ compacted: 0, withinBudget: true });
    expect(result.messages).toEqual(messages);
    expect(result.tokens).toBe(tiktokenCounter.countPrompt(messages));
  });

  it('stubs the oldest tool outputs until it fits, keeping the system prompt, the task and the last turns', () => {
    const messages = longRun(20);
    expect(tiktokenCounter.countPrompt(messages)).toBeGreaterThan(12_000);
    const result = compactConversation(messages, tiktokenCounter);
    expect(result.withinBudget).toBe(true);
    expect(result.tokens).toBeLessThanOrEqual(12_000);
    expect(result.tokens).toBe(tiktokenCounter.countPrompt(result.messages));
    expect(result.messages).toHaveLength(messages.length); // nothing dropped: every call keeps its answer
    expect(result.messages.slice(0, 2)).toEqual(messages.slice(0, 2));
    expect(result.messages.slice(-6)).toEqual(messages.slice(-6));
    const first = result.messages[3]!;
    expect(first).toMatchObject({ role: 'tool', toolCallId: 'call_0' });
    expect((first as { content: string }).content).toMatch(
      /^\[compacted: an earlier output of view_file, \d+ tokens; call it again if it is still needed\]$/,
    );
    // Oldest first: once one output survives, every later one does too.
    const flags = result.messages.flatMap((m) =>
      m.role === 'tool' ? [m.content.startsWith('[compacted:')] : [],
    );
    const k = flags.filter(Boolean).length;
    expect(k).toBe(result.compacted);
    expect(flags).toEqual(flags.map((_, i) => i < k));
    expect(messages[3]).not.toEqual(first); // the input is untouched
  });

  it('a run twice as long costs about the same per call', () => {
    const a = compactConversation(longRun(30, 100), tiktokenCounter);
    const b = compactConversation(longRun(60, 100), tiktokenCounter);
    expect(a.withinBudget && b.withinBudget).toBe(true);
    expect(b.tokens).toBe(tiktokenCounter.countPrompt(b.messages));
    expect(Math.abs(b.tokens - a.tokens)).toBeLessThan(1_000);
    expect(b.compacted).toBeGreaterThan(a.compacted);
  });

  it('says so when the kept part alone is over budget', () => {
    const result = compactConversation(longRun(4, 400), tiktokenCounter, {
      budgetTokens: 2_000,
      keptTurns: 3,
    });
    expect(result.withinBudget).toBe(false);
    expect(result.compacted).toBe(2); // the one old tool output and the one old assistant text
    expect(result.messages.slice(-6)).toEqual(longRun(4, 400).slice(-6));
  });
});
