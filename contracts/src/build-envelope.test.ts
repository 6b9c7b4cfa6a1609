import { hasCode } from '@autopilot/kernel';
import { buildEnvelope } from './build-envelope';
import { ContractViolationError } from './contract-violation-error';
import { RunFinishedV1 } from './run/run-finished.v1';
import { sampleOf } from './test-support/sample-of';
import type { PayloadOf } from './define-message';

const fields = { id: '01JDP0ENVE10PE000000000000', time: '2026-11-24T10:15:00.000Z', source: 'worker' };

describe('buildEnvelope', () => {
  it('wraps a valid payload, leaving unset optional fields out', () => {
    const data = sampleOf(RunFinishedV1) as PayloadOf<typeof RunFinishedV1>;
    const envelope = buildEnvelope(RunFinishedV1, data, { ...fields, correlationId: data.runId });
    expect(envelope).toEqual({
      ...fields,
      type: 'run.finished.v1',
      subject: 'ap.v1.evt.run.finished',
      correlationId: data.runId,
      data,
    });
    expect(Object.keys(envelope)).not.toContain('traceparent');
  });

  it('throws ContractViolationError naming the type, the field and the rule', () => {
    const data = { ...sampleOf(RunFinishedV1), costUsd: -1 } as PayloadOf<typeof RunFinishedV1>;
    let thrown: unknown;
    try {
      buildEnvelope(RunFinishedV1, data, fields);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ContractViolationError);
    expect(hasCode(thrown, 'CONTRACT_VIOLATION')).toBe(true);
    const violation = thrown as ContractViolationError;
    expect(violation.messageType).toBe('run.finished.v1');
    expect(violation.issues.map(({ path, rule }) => ({ path, rule }))).toEqual([
      { path: '/costUsd', rule: 'minimum' },
    ]);
    expect(violation.message).toBe('run.finished.v1 violates its contract: /costUsd must be >= 0');
  });
});
