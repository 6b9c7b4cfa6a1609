import { sha256Hex } from '@autopilot/kernel';
import type { PolicyAction } from '../policy/policy-action';
import { actionHash } from './action-hash';
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

describe('actionHash', () => {
  const push: PolicyAction = { kind: 'git_push', riskScore: 0.1, remote: 'origin', refspecs: ['feature'] };

  it('is stable whatever the key order', () => {
    const reordered = {
      refspecs: ['feature'],
      remote: 'origin',
      riskScore: 0.1,
      kind: 'git_push',
    } as PolicyAction;
    expect(actionHash(reordered, sha256Hex)).toBe(actionHash(push, sha256Hex));
    expect(actionHash(push, sha256Hex)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes with the content: argv, argv order, paths and the diff', () => {
    const base: PolicyAction = { kind: 'command', riskScore: 0, argv: ['npm', 'test'] };
    const hashes = new Set([
      actionHash(base, sha256Hex),
      actionHash({ ...base, argv: ['npm', 'test', '--ci'] }, sha256Hex),
      actionHash({ ...base, argv: ['test', 'npm'] }, sha256Hex),
      actionHash({ ...base, cwd: 'pkg' }, sha256Hex),
      actionHash(
        { kind: 'file_write', riskScore: 0, paths: ['a'], diff: { insertions: 1, deletions: 0 } },
        sha256Hex,
      ),
      actionHash(
        { kind: 'file_write', riskScore: 0, paths: ['a'], diff: { insertions: 1, deletions: 0 } },
        sha256Hex,
        '+x',
      ),
      actionHash(
        { kind: 'file_write', riskScore: 0, paths: ['a'], diff: { insertions: 1, deletions: 0 } },
        sha256Hex,
        '+y',
      ),
    ]);
    expect(hashes.size).toBe(7);
  });

  it('ignores the risk estimate', () => {
    expect(actionHash({ ...push, riskScore: 0.9 }, sha256Hex)).toBe(actionHash(push, sha256Hex));
  });
});
