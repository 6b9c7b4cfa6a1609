import { hasCode } from '@autopilot/kernel';
import { buildEnvelope } from './build-envelope';
import { ContractViolationError } from './contract-violation-error';
import { RunFinishedV1 } from './run/run-finished.v1';
import { RunStartedV1 } from './run/run-started.v1';
import { validateEnvelope } from './validate';
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

const finished = (): PayloadOf<typeof RunFinishedV1> =>
  sampleOf(RunFinishedV1) as PayloadOf<typeof RunFinishedV1>;

describe('validateEnvelope and built envelopes', () => {
  it('does not validate the data of an envelope buildEnvelope made for the same contract again', () => {
    const envelope = buildEnvelope(RunFinishedV1, finished(), fields);
    // Changing a built envelope breaks its contract (it is a value); only a copy is checked in full.
    (envelope.data as { costUsd: number }).costUsd = -1;
    expect(validateEnvelope(RunFinishedV1, envelope)).toEqual([]);
    expect(validateEnvelope(RunFinishedV1, structuredClone(envelope))).toEqual([
      expect.objectContaining({ path: '/data/costUsd' }),
    ]);
  });

  it('still checks the type of a built envelope received for another contract', () => {
    const envelope = buildEnvelope(RunFinishedV1, finished(), fields);
    expect(validateEnvelope(RunStartedV1, envelope)).toEqual([expect.objectContaining({ path: '/type' })]);
  });
});
