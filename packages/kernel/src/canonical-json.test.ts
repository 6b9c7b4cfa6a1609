import { canonicalJson, NotCanonicalError } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,1]},"b":1}');
  });

  it('leaves out undefined fields', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it.each([NaN, Infinity, -Infinity])('refuses %s, naming where', (n) => {
    expect(() => canonicalJson({ x: [n] })).toThrow(NotCanonicalError);
    expect(() => canonicalJson({ x: [n] })).toThrow('$.x[0]');
  });

  it('refuses cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow('a cycle');
  });
});
