import { RunFinishedV1 } from './run/run-finished.v1';
import { sampleOf } from './test-support/sample-of';
import { validateEnvelope } from './validate';

const envelopeOf = (overrides: Record<string, unknown>): Record<string, unknown> => ({
  id: '01JDP0ENVE10PE000000000000',
  type: 'run.finished.v1',
  source: 'worker',
  time: '2026-11-24T10:15:00.000Z',
  subject: 'ap.v1.evt.run.finished',
  projectId: '01JDP0PR0JECT0000000000000',
  correlationId: '01JDP0RUN00000000000000000',
  data: sampleOf(RunFinishedV1),
  ...overrides,
});

const pathsAndRules = (issues: { path: string; rule: string }[]) =>
  issues.map(({ path, rule }) => ({ path, rule }));

describe('validateEnvelope', () => {
  it('accepts a well-formed envelope of the right type', () => {
    expect(validateEnvelope(RunFinishedV1, envelopeOf({}))).toEqual([]);
  });

  it('says `version` when the same message arrives in a version this consumer does not read', () => {
    const issues = validateEnvelope(
      RunFinishedV1,
      envelopeOf({ type: 'run.finished.v2', subject: 'ap.v2.evt.run.finished' }),
    );
    expect(pathsAndRules(issues)).toEqual([{ path: '/type', rule: 'version' }]);
    expect(issues[0]?.detail).toContain('v1');
  });

  it('says `type` when another message arrives', () => {
    expect(pathsAndRules(validateEnvelope(RunFinishedV1, envelopeOf({ type: 'run.started.v1' })))).toEqual([
      { path: '/type', rule: 'type' },
    ]);
  });

  it('reports a malformed envelope by field, before looking at the payload', () => {
    const { id: _id, ...withoutId } = envelopeOf({ time: 'yesterday', type: 'RunFinished', data: {} });
    expect(pathsAndRules(validateEnvelope(RunFinishedV1, withoutId))).toEqual([
      { path: '/id', rule: 'required' },
      { path: '/type', rule: 'pattern' },
      { path: '/time', rule: 'format' },
    ]);
    expect(pathsAndRules(validateEnvelope(RunFinishedV1, 'not json'))).toEqual([{ path: '', rule: 'type' }]);
    expect(pathsAndRules(validateEnvelope(RunFinishedV1, null))).toEqual([{ path: '', rule: 'type' }]);
  });

  it('reports payload issues under /data', () => {
    const data = { ...sampleOf(RunFinishedV1), costUsd: -1 };
    expect(pathsAndRules(validateEnvelope(RunFinishedV1, envelopeOf({ data })))).toEqual([
      { path: '/data/costUsd', rule: 'minimum' },
    ]);
  });
});
