import type { GateVerdict } from '../gate/quality-gate';
import { classifyFailure, diagnose, FRESH_DOCTOR, type DoctorMemory, type FailureReport } from './doctor';
import { errorSignature } from '@autopilot/kernel';

const testsFailed: FailureReport = {
  source: 'gate',
  stepKind: 'gate',
  message: '`npm test` exited 1: expected 3, received -1',
  gate: {
    passed: false,
    reasons: [{ code: 'VALIDATION_FAILED', message: '`npm test` exited 1: expected 3, received -1' }],
    criteria: [],
  },
};

/** Diagnoses `reports` one after the other, carrying the memory; the actions taken. */
function sequence(reports: FailureReport[], maxCalls = 10, memory: DoctorMemory = FRESH_DOCTOR): string[] {
  const actions: string[] = [];
  let m = memory;
  for (const r of reports) {
    const d = diagnose(r, m, maxCalls);
    actions.push(d.action.action);
    m = d.memory;
  }
  return actions;
}

describe('errorSignature', () => {
  it('normalises what varies between two runs of one mistake, as the manager loop guard does', () => {
    const a = errorSignature(
      '2026-03-01T10:00:00Z failed in /tmp/wt-01HX/src/a.test.ts:42 after 1532 ms (commit 3f9ac2e1b7)',
      'command',
    );
    const b = errorSignature(
      '2026-03-02T11:11:11Z failed in /tmp/wt-99ZZ/src/a.test.ts:40 after 87 ms (commit 77aa01bc9d)',
      'command',
    );
    expect(a).toBe(b);
    expect(a).toBe('command: <time> failed in …/src/a.test.ts:# after # ms (commit <hex>)');
    expect(errorSignature('boom')).toBe('unknown: boom');
    expect(errorSignature('timeout', 'llm_call')).not.toBe(errorSignature('timeout', 'command'));
  });
});

describe('classifyFailure', () => {
  it('tells the kinds of failure apart', () => {
    const gate = (code: 'VALIDATION_FAILED' | 'OUT_OF_SCOPE', message = 'x'): GateVerdict => ({
      passed: false,
      reasons: [{ code, message }],
      criteria: [],
    });
    expect(
      classifyFailure({
        source: 'tool',
        stepKind: 'edit',
        status: 'failed',
        message: 'old_str occurs 0 times',
      }),
    ).toBe('patch_does_not_apply');
    expect(classifyFailure({ source: 'command', stepKind: 'command', status: 'denied', message: 'no' })).toBe(
      'command_denied',
    );
    expect(
      classifyFailure({ source: 'command', stepKind: 'command', status: 'timed_out', message: 'slow' }),
    ).toBe('timeout');
    expect(classifyFailure({ source: 'model', stepKind: 'llm_call', message: '503' })).toBe('model_error');
    expect(classifyFailure({ source: 'infrastructure', stepKind: 'command', message: 'disk full' })).toBe(
      'infrastructure',
    );
    expect(classifyFailure(testsFailed)).toBe('test_failure');
    expect(
      classifyFailure({
        source: 'gate',
        stepKind: 'gate',
        message: 'x',
        gate: gate('VALIDATION_FAILED', '`npm test` timed out'),
      }),
    ).toBe('timeout');
    expect(
      classifyFailure({ source: 'gate', stepKind: 'gate', message: 'x', gate: gate('OUT_OF_SCOPE') }),
    ).toBe('gate_rejected');
  });
});

describe('diagnose', () => {
  it('answers repeated test failures with a hint, then the strong model, then a rollback, then failure', () => {
    expect(sequence([testsFailed, testsFailed, testsFailed, testsFailed])).toEqual([
      'retry_with_hint',
      'escalate_model',
      'roll_back',
      'mark_failed',
    ]);
    const first = diagnose(testsFailed, FRESH_DOCTOR, 10);
    expect(first.action).toMatchObject({ hint: expect.stringContaining('expected 3, received -1') });
    expect(first.signature).toBe('gate: `npm test` exited #: expected #, received -#');
  });

  it('fixes a refused edit once with an allowlisted restore, after a hint and an escalation', () => {
    const refused: FailureReport = {
      source: 'tool',
      stepKind: 'edit',
      status: 'failed',
      message: 'old_str occurs 0 times in src/a.ts',
      paths: ['src/a.ts'],
    };
    expect(sequence([refused, refused, refused, refused])).toEqual([
      'retry_with_hint',
      'escalate_model',
      'execute_fix',
      'mark_failed',
    ]);
    const fix = diagnose(
      refused,
      { ...FRESH_DOCTOR, escalated: true, signatures: [errorSignature(refused.message, 'edit')] },
      10,
    );
    expect(fix.action).toMatchObject({
      action: 'execute_fix',
      fix: { kind: 'restore_paths', paths: ['src/a.ts'] },
    });
    expect(fix.memory.executeFixUsed).toBe(true);
  });

  it('undoes out-of-scope changes once; a second refusal of the same result fails', () => {
    const stray: FailureReport = {
      source: 'gate',
      stepKind: 'gate',
      message: 'changed outside the scope: scripts/x.sh',
      gate: {
        passed: false,
        reasons: [
          {
            code: 'OUT_OF_SCOPE',
            message: 'changed outside the scope: scripts/x.sh',
            paths: ['scripts/x.sh'],
          },
        ],
        criteria: [],
      },
    };
    expect(sequence([stray, stray, stray])).toEqual(['execute_fix', 'retry_with_hint', 'mark_failed']);
  });

  it('fails at once on infrastructure, escalates a model error once, and stops at the cap with the failure itself', () => {
    const infra = diagnose(
      { source: 'infrastructure', stepKind: 'command', message: 'governance unreachable' },
      FRESH_DOCTOR,
      5,
    );
    expect(infra.action).toEqual({
      action: 'mark_failed',
      failure: { code: 'WORKER_INFRASTRUCTURE', message: 'governance unreachable' },
    });
    const model: FailureReport = { source: 'model', stepKind: 'llm_call', message: 'HTTP 500' };
    expect(sequence([model, model])).toEqual(['escalate_model', 'mark_failed']);
    const capped = diagnose(testsFailed, { ...FRESH_DOCTOR, calls: 3 }, 3);
    expect(capped.action).toEqual({
      action: 'mark_failed',
      failure: {
        code: 'WORKER_TESTS_FAILED',
        message: 'gave up after 3 doctor calls: `npm test` exited 1: expected 3, received -1',
      },
    });
    expect(capped.memory.calls).toBe(4);
  });

  it('lets a denied command be tried differently once, then fails', () => {
    const denied: FailureReport = {
      source: 'command',
      stepKind: 'command',
      status: 'denied',
      message: 'Denied by policy (net.off): no network',
    };
    expect(sequence([denied, denied])).toEqual(['retry_with_hint', 'mark_failed']);
  });
});
