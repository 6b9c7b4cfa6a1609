import { exitCodeOf, renderStartReport, type StartReport } from './start-report';

const empty: StartReport = {
  projectId: 'demo',
  completed: [],
  waiting: [],
  failed: [],
  unfinished: [],
  spend: [{ budget: 'daily', spentUsd: 0, capUsd: 5 }],
  mergeOrder: [],
};

describe('the start report', () => {
  it('exits 0 when every task succeeded, 3 when work waits for a person or a budget, 1 on a failure', () => {
    const done = {
      ...empty,
      completed: [{ taskId: 'a', title: 'A', branch: 'autopilot/a-1', costUsd: 0.1 }],
    };
    expect(exitCodeOf(done)).toBe(0);
    expect(
      exitCodeOf({ ...done, waiting: [{ approvalId: 'ap1', action: 'write ci.yml', reasons: [] }] }),
    ).toBe(3);
    expect(exitCodeOf({ ...done, stoppedBy: 'the daily cap of $1.00 was reached' })).toBe(3);
    expect(exitCodeOf({ ...done, failed: [{ taskId: 'b', title: 'B', reason: 'tests failed' }] })).toBe(1);
  });

  it('names each branch with its tests and cost, says when tests did not run, and lists what waits and why', () => {
    const lines = renderStartReport({
      ...empty,
      baseCommit: 'abcdef0123456789',
      completed: [
        {
          taskId: 'a',
          title: 'Validate',
          branch: 'autopilot/validate-1',
          costUsd: 0.12,
          tests: { passed: 5, failed: 0 },
        },
        { taskId: 'd', title: 'Docs', branch: 'autopilot/docs-2', costUsd: 0.03 },
      ],
      waiting: [
        {
          approvalId: 'ap1',
          taskId: 'c',
          action: 'write .github/workflows/ci.yml',
          reasons: ['protected path'],
        },
      ],
      failed: [{ taskId: 'b', title: 'Discounts', reason: 'same failure twice: npm test exited 1' }],
      spend: [
        { budget: 'run', spentUsd: 0.12, capUsd: 2 },
        { budget: 'daily', spentUsd: 0.15, capUsd: 5 },
      ],
      mergeOrder: [
        {
          taskId: 'a',
          branch: 'autopilot/validate-1',
          overlapsLater: [],
          reason: 'depends on no other branch',
        },
      ],
    });
    const text = lines.join('\n');
    expect(text).toContain('from commit abcdef012345');
    expect(text).toContain('branch autopilot/validate-1 · tests 5 passed · $0.12');
    expect(text).toContain('branch autopilot/docs-2 · tests did not run · $0.03');
    expect(text).toContain('? approval ap1 (task c): write .github/workflows/ci.yml');
    expect(text).toContain('because protected path');
    expect(text).toContain('✗ b: Discounts\n      same failure twice: npm test exited 1');
    expect(text).toContain('daily  $0.15 of $5.00');
    expect(text).toContain('1. autopilot/validate-1: depends on no other branch');
  });

  it('shows text from documents and models inert: no terminal escape acts', () => {
    const text = renderStartReport({
      ...empty,
      failed: [{ taskId: 'x', title: 'evil\u001b]0;pwned\u0007', reason: 'boom\r' }],
    }).join('\n');
    for (const control of ['\u001b', '\u0007', '\r']) expect(text).not.toContain(control);
    expect(text).toContain('evil\\x1b]0;pwned\\x07');
  });
});
