import { describe, expect, it } from '@jest/globals';
import { letterMessage, MAX_LETTER_DEPTH, nestsWithin } from './letter-message';

/** An array `depth` levels deep, built without recursion. */
function nested(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

describe('letterMessage', () => {
  it('measures nesting without recursion, even 100,000 levels deep', () => {
    expect(nestsWithin({ a: [1, { b: 'x' }] }, 3)).toBe(true);
    expect(nestsWithin({ a: [1, { b: 'x' }] }, 2)).toBe(false);
    expect(nestsWithin('text', 0)).toBe(true);
    expect(nestsWithin(nested(100_000), MAX_LETTER_DEPTH)).toBe(false);
  });

  it('keeps a message that nests within the limit, and the body text of one that does not', () => {
    const shallow = { data: nested(MAX_LETTER_DEPTH - 1) };
    expect(letterMessage(shallow, () => 'unused')).toBe(shallow);
    const deep = { id: 'evt-1', type: 'x.y.v1', data: nested(100_000) };
    const kept = letterMessage(deep, () => '{"id":"evt-1","data":[[[...]]]}');
    // Still names the message; the body travels as text, which serializes flat.
    expect(kept).toEqual({ id: 'evt-1', type: 'x.y.v1', text: '{"id":"evt-1","data":[[[...]]]}' });
    expect(() => JSON.stringify(kept)).not.toThrow();
  });
});
