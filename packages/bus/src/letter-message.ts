/**
 * How deep a dead letter's `message` may nest. Serializing a value recurses once per level, and a
 * body an outside producer sent may nest arbitrarily (100,000 arrays overflowed the stack, so the
 * letter could never be written and the message came back forever); past this the letter keeps
 * the body's text instead, which serializes flat.
 */
export const MAX_LETTER_DEPTH = 64;

/** True when `value` nests at most `limit` arrays or objects deep. Iterative: never overflows. */
export function nestsWithin(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= limit) return false;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      stack.push({ value: child, depth: depth + 1 });
  }
  return true;
}

/** The envelope fields a dead letter keeps of a message it cannot hold whole. */
const HEAD_FIELDS = [
  'id',
  'type',
  'source',
  'time',
  'subject',
  'projectId',
  'correlationId',
  'causationId',
  'traceparent',
] as const;
/** A head field longer than this is left out: the head must stay small whatever a producer sent. */
const MAX_HEAD_FIELD_CHARS = 1024;

/** The envelope's head (its short string fields) when `message` parsed as an object; else empty. */
export function envelopeHead(message: unknown): Record<string, string> {
  const head: Record<string, string> = {};
  if (typeof message === 'object' && message !== null && !Array.isArray(message)) {
    const fields = message as Record<string, unknown>;
    for (const key of HEAD_FIELDS) {
      const value = fields[key];
      if (typeof value === 'string' && value.length <= MAX_HEAD_FIELD_CHARS) head[key] = value;
    }
  }
  return head;
}

/**
 * What a dead letter holds of a message: the parsed message when it nests within
 * MAX_LETTER_DEPTH, else its envelope head and the body's text (`text()`), so every letter can be
 * serialized whatever the body, and still names the message.
 */
export function letterMessage(message: unknown, text: () => string): unknown {
  return nestsWithin(message, MAX_LETTER_DEPTH) ? message : { ...envelopeHead(message), text: text() };
}
