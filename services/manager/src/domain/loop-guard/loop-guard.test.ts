import { errorSignature } from '@autopilot/kernel';
import { decideAfterFailure } from './retry-decision';

describe('errorSignature', () => {
  it('gives two runs of the same mistake one signature', () => {
    const a = errorSignature(
      '2026-03-01T10:00:00.123Z Test failed in /tmp/ap-wt-01HX7Z3/src/app.test.ts:42:7 after 1532 ms (run 01HX7Z3K9M2N4P5Q6R7S8T9V0W, commit 3f9ac2e1b7)',
      'command',
    );
    const b = errorSignature(
      '2026-03-02T23:59:59Z  Test failed in /tmp/ap-wt-99AB12/src/app.test.ts:42:9 after 87 ms\n(run 01HX80000000000000000000ZZ, commit 77aa01bc9d)',
      'command',
    );
    expect(a).toBe(b);
    expect(a).toBe(
      'command: <time> Test failed in …/src/app.test.ts:#:# after # ms (run <id>, commit <hex>)',
    );
  });

  it('keeps what tells failures apart: the step kind, the words, the file in the repository', () => {
    expect(errorSignature('Type error in src/a.ts', 'command')).not.toBe(
      errorSignature('Type error in src/b.ts', 'command'),
    );
    expect(errorSignature('timeout', 'llm_call')).not.toBe(errorSignature('timeout', 'command'));
    expect(errorSignature('boom')).toBe('unknown: boom');
    expect(errorSignature('/home/alice/repo/x.ts and /Users/bob/repo/x.ts')).toBe(
      'unknown: …/repo/x.ts and …/repo/x.ts',
    );
    expect(errorSignature('x'.repeat(500)).length).toBeLessThanOrEqual(209);
  });
});

describe('decideAfterFailure', () => {
  const base = { taskId: 't1', maxAttempts: 5, now: 1_000_000 };

  it('retries with exponential backoff up to its cap', () => {
    const delays = [1, 2, 3, 4].map((attempts) =>
      decideAfterFailure({
        ...base,
        attempts,
        signatures: ['s1', 's2', 's3', 's4'].slice(0, attempts).map((s, i) => `${s}${i}`),
      }),
    );
    expect(delays.map((d) => (d.action === 'retry' ? d.delayMs : d.action))).toEqual([
      30_000, 120_000, 480_000, 1_800_000,
    ]);
    expect(delays[0]).toEqual({ action: 'retry', notBefore: 1_030_000, delayMs: 30_000 });
  });

  it('fails a task whose last two runs failed with the same signature instead of a third try', () => {
    expect(
      decideAfterFailure({
        ...base,
        attempts: 2,
        signatures: ['command: npm test exit #', 'command: npm test exit #'],
      }),
    ).toEqual({
      action: 'fail',
      failure: {
        code: 'MANAGER_SAME_FAILURE_TWICE',
        message: 'same failure twice: command: npm test exit #',
      },
    });
    expect(decideAfterFailure({ ...base, attempts: 3, signatures: ['a', 'b', 'a'] }).action).toBe('retry');
  });

  it('fails when the attempts are used up', () => {
    expect(decideAfterFailure({ ...base, attempts: 5, signatures: ['a', 'b', 'c', 'd', 'e'] })).toEqual({
      action: 'fail',
      failure: { code: 'MANAGER_ATTEMPTS_EXHAUSTED', message: 'failed 5 of 5 attempts; last: e' },
    });
  });
});
