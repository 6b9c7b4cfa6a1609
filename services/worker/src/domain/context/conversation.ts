/** A tool call as the model made it: `arguments` is the raw JSON text, parsed by the tools. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** One message of a run's conversation with the model (Chat Completions, provider-neutral). */
export type ChatMessage =
  | { readonly role: 'system' | 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string | null; readonly toolCalls?: readonly ToolCall[] }
  | { readonly role: 'tool'; readonly toolCallId: string; readonly content: string };

/** Counts the tokens of a text with the model's tokenizer. */
export type CountTokens = (text: string) => number;

/** Tokens one message costs, its framing included (a few tokens per message in every chat format). */
export function messageTokens(m: ChatMessage, count: CountTokens): number {
  const framing = 4;
  switch (m.role) {
    case 'system':
    case 'user':
    case 'tool':
      return framing + count(m.content);
    case 'assistant':
      return (
        framing +
        count(m.content ?? '') +
        (m.toolCalls ?? []).reduce((n, c) => n + count(c.name) + count(c.arguments) + 3, 0)
      );
    default:
      return assertNever(m);
  }
}

export function conversationTokens(messages: readonly ChatMessage[], count: CountTokens): number {
  return messages.reduce((n, m) => n + messageTokens(m, count), 0);
}

/** How a conversation was made to fit. */
export interface Compacted {
  readonly messages: ChatMessage[];
  readonly tokens: number;
  /** Tool outputs replaced by a note. */
  readonly elidedOutputs: number;
  /** Whole older turns dropped. */
  readonly droppedTurns: number;
}

/**
 * Fits a run's conversation under `budget` tokens, so the cost of a call does not grow with the
 * length of the run. The opening messages (system prompt and task, `keepHead`) and the newest
 * `keepRecent` messages stay whole. First, older tool outputs are replaced by a one-line note (the
 * model can look again); then, if still over, the oldest turns go whole: an assistant message with
 * its tool results, never one without the other, which providers refuse.
 */
export function compactConversation(
  messages: readonly ChatMessage[],
  budget: number,
  count: CountTokens,
  opts: { keepHead?: number; keepRecent?: number } = {},
): Compacted {
  const keepHead = opts.keepHead ?? 2;
  const keepRecent = opts.keepRecent ?? 6;
  let out = [...messages];
  let tokens = conversationTokens(out, count);
  let elidedOutputs = 0;
  const recentFrom = (): number => Math.max(keepHead, out.length - keepRecent);
  for (let i = keepHead; i < recentFrom() && tokens > budget; i++) {
    const m = out[i] as ChatMessage;
    if (m.role !== 'tool' || m.content.startsWith('[output elided')) continue;
    const note: ChatMessage = {
      role: 'tool',
      toolCallId: m.toolCallId,
      content: `[output elided to save context: ${m.content.length} characters; repeat the call to see it again]`,
    };
    tokens += messageTokens(note, count) - messageTokens(m, count);
    out[i] = note;
    elidedOutputs++;
  }
  let droppedTurns = 0;
  while (tokens > budget) {
    const start = keepHead + (droppedTurns > 0 ? 1 : 0);
    const limit = recentFrom();
    if (start >= limit) break;
    // A turn: one message and, for an assistant message, the tool results that answer it.
    let end = start + 1;
    while (end < limit && out[end]?.role === 'tool') end++;
    if (out[end]?.role === 'tool') break;
    const note: ChatMessage = {
      role: 'user',
      content: `[${droppedTurns + 1} earlier turns left out to save context]`,
    };
    out = [...out.slice(0, keepHead), note, ...out.slice(end)];
    droppedTurns++;
    tokens = conversationTokens(out, count);
  }
  return { messages: out, tokens, elidedOutputs, droppedTurns };
}

function assertNever(value: never): never {
  throw new Error(`unexpected message ${JSON.stringify(value)}`);
}
