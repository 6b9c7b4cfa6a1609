import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import type { ModelMessage, ModelToolDefinition } from './model-messages';

/** Counts tokens the way the provider bills them, closely enough to reserve budget and bound prompts. */
export interface TokenCounter {
  /** Tokens of a plain text. */
  count(text: string): number;
  /** One message's share of a prompt, its framing included. */
  countMessage(message: ModelMessage): number;
  /** Prompt tokens of a chat request: every message with its framing, plus the tool definitions. */
  countPrompt(messages: readonly ModelMessage[], tools?: readonly ModelToolDefinition[]): number;
}

// Chat framing as OpenAI documents it for its chat models: each message costs its role and content
// plus a few tokens of markup, and every answer is primed with three more.
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

let encoder: Tiktoken | undefined;
/**
 * The o200k_base encoding (GPT-4o, GPT-4.1, o-series), from ranks bundled in the package: no
 * download. The ranks (~8 MB in memory) load on the first count, not in every process that
 * imports this package (`autopilot plan` without a model does).
 */
function o200k(): Tiktoken {
  if (!encoder) {
    // Lazy (see above); the CommonJS build exports the ranks object itself.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ranks = require('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
    encoder = new Tiktoken(ranks);
  }
  return encoder;
}

/** A message's tokens without the chat framing. */
export function messageTokens(count: (text: string) => number, message: ModelMessage): number {
  switch (message.role) {
    case 'system':
    case 'user':
      return count(message.role) + count(message.content);
    case 'tool':
      return count(message.role) + count(message.toolCallId) + count(message.content);
    case 'assistant':
      return (
        count(message.role) +
        count(message.content ?? '') +
        (message.toolCalls ?? []).reduce(
          (n, c) => n + count(c.name) + count(c.argumentsJson) + PER_MESSAGE,
          0,
        )
      );
    default: {
      const never: never = message;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
}

/** Texts counted recently, most recent last: a run's conversation is counted again at every step. */
const counted = new Map<string, number>();
/** Enough for a few long conversations; each entry is a text the conversation holds anyway. */
const COUNTED_MAX = 4096;

function countedTokens(text: string): number {
  const known = counted.get(text);
  if (known !== undefined) {
    counted.delete(text);
    counted.set(text, known);
    return known;
  }
  const tokens = o200k().encode(text, [], []).length;
  counted.set(text, tokens);
  if (counted.size > COUNTED_MAX) counted.delete(counted.keys().next().value as string);
  return tokens;
}

/**
 * The tokenizer of OpenAI's current models (o200k_base through js-tiktoken). Other providers'
 * tokenizers differ by a few percent; the worst case reserved is an estimate either way, and the
 * settlement uses what the provider reports.
 */
export const tiktokenCounter: TokenCounter = {
  count: (text) => (text.length === 0 ? 0 : countedTokens(text)),
  countMessage: (message) => PER_MESSAGE + messageTokens(tiktokenCounter.count, message),
  countPrompt(messages, tools = []) {
    let total = REPLY_PRIMING;
    for (const m of messages) total += tiktokenCounter.countMessage(m);
    if (tools.length > 0) total += tiktokenCounter.count(JSON.stringify(tools));
    return total;
  },
};
