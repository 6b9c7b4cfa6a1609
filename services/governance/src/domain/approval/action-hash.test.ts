import { sha256Hex } from '@autopilot/kernel';
import type { PolicyAction } from '../policy/policy-action';
import { actionHash } from './action-hash';

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
