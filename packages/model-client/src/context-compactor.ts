import type { ModelMessage, ModelToolDefinition } from './model-messages';
import type { TokenCounter } from './token-counter';

export const DEFAULT_CONTEXT_TOKENS = 12_000;
/** Assistant turns (each with its tool results) kept whole at the end of the conversation. */
export const DEFAULT_KEPT_TURNS = 3;

export interface CompactionOptions {
  /** Prompt tokens the conversation must fit in, tools included. Default 12k. */
  readonly budgetTokens?: number;
  /** The last turns kept whole. Default 3. */
  readonly keptTurns?: number;
  readonly tools?: readonly ModelToolDefinition[];
}

export interface Compaction {
  readonly messages: ModelMessage[];
  /** Prompt tokens of `messages` (with the tools). */
  readonly tokens: number;
  /** Messages whose content was replaced by a stub. */
  readonly compacted: number;
  /** False when even the stubs leave it over budget: the kept part alone is too large. */
  readonly withinBudget: boolean;
}

/**
 * Keeps a conversation under a token budget so a call's cost does not grow with the length of the
 * run: the oldest tool outputs first, then the oldest assistant texts, are replaced by short stubs
 * saying what was there. Never touched: system messages, the first user message (the task), and the
 * last `keptTurns` turns. Nothing is dropped, so every tool call keeps its answer (providers refuse a
 * tool call without one). Pure: counts with the given tokenizer, changes no input.
 */
export function compactConversation(
  messages: readonly ModelMessage[],
  counter: TokenCounter,
  options: CompactionOptions = {},
): Compaction {
  const budget = options.budgetTokens ?? DEFAULT_CONTEXT_TOKENS;
  const tools = options.tools ?? [];
  const out = [...messages];
  let tokens = counter.countPrompt(out, tools);
  if (tokens <= budget) return { messages: out, tokens, compacted: 0, withinBudget: true };

  const firstUser = out.findIndex((m) => m.role === 'user');
  const keptFrom = keptTurnsStart(out, options.keptTurns ?? DEFAULT_KEPT_TURNS);
  const toolNames = new Map<string, string>();
  for (const m of out) {
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) toolNames.set(c.id, c.name);
  }
  const candidates: number[] = [];
  // Tool outputs are the bulk of a long run and the first to lose their value; then old reasoning.
  for (const role of ['tool', 'assistant'] as const) {
    for (let i = 0; i < keptFrom; i++) if (i !== firstUser && out[i]!.role === role) candidates.push(i);
  }
  let compacted = 0;
  for (const i of candidates) {
    if (tokens <= budget) break;
    const m = out[i]!;
    const stubbed = stub(m, counter, toolNames);
    if (stubbed === m) continue;
    out[i] = stubbed;
    compacted++;
    // Counted per message: recounting the whole prompt after each stub is quadratic in the run.
    tokens += counter.countMessage(stubbed) - counter.countMessage(m);
  }
  return { messages: out, tokens, compacted, withinBudget: tokens <= budget };
}

/** Index of the first message of the last `turns` assistant turns (messages.length: none kept). */
function keptTurnsStart(messages: readonly ModelMessage[], turns: number): number {
  let seen = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'assistant' && ++seen === turns) return i;
  }
  // Fewer turns than that: keep everything after the task.
  return turns > 0 ? messages.findIndex((m) => m.role === 'user') + 1 : messages.length;
}

const STUB_PREFIX = '[compacted:';

function stub(m: ModelMessage, counter: TokenCounter, toolNames: ReadonlyMap<string, string>): ModelMessage {
  if (m.role === 'tool') {
    if (m.content.startsWith(STUB_PREFIX)) return m;
    const tool = toolNames.get(m.toolCallId) ?? 'the tool';
    const text = `${STUB_PREFIX} an earlier output of ${tool}, ${counter.count(m.content)} tokens; call it again if it is still needed]`;
    return text.length < m.content.length ? { ...m, content: text } : m;
  }
  if (m.role === 'assistant' && m.content) {
    if (m.content.startsWith(STUB_PREFIX)) return m;
    const text = `${STUB_PREFIX} earlier reasoning, ${counter.count(m.content)} tokens]`;
    return text.length < m.content.length ? { ...m, content: text } : m;
  }
  return m;
}
