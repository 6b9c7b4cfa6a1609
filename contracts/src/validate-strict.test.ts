import { Type } from '@sinclair/typebox';
import { Envelope } from './envelope';
import { GovernanceReserveBudgetV1 } from './governance/governance-reserve-budget.v1';
import { RunFinishedV1 } from './run/run-finished.v1';
import { sampleOf } from './test-support/sample-of';
import { validate } from './validate';
import { closeObjectSchemas, validateReplyStrict, validateStrict } from './validate-strict';

const pathsAndRules = (issues: { path: string; rule: string }[]) =>
  issues.map(({ path, rule }) => ({ path, rule }));

describe('validateStrict', () => {
  it('catches a producer typo that a tolerant reader lets through', () => {
    const { costUsd, ...rest } = sampleOf(RunFinishedV1);
    const typo = { ...rest, costUSD: costUsd };
    expect(pathsAndRules(validateStrict(RunFinishedV1, typo))).toEqual([
      { path: '/costUsd', rule: 'required' },
      { path: '/costUSD', rule: 'additionalProperties' },
    ]);
    // The consumer's view: missing field, but the unknown one is ignored.
    expect(pathsAndRules(validate(RunFinishedV1, typo))).toEqual([{ path: '/costUsd', rule: 'required' }]);
  });

  it('catches unknown properties in nested objects and array items', () => {
    const payload = { ...sampleOf(RunFinishedV1), tokens: { input: 1, output: 2, cached: 3 } };
    expect(pathsAndRules(validateStrict(RunFinishedV1, payload))).toEqual([
      { path: '/tokens/cached', rule: 'additionalProperties' },
    ]);
    const reply = {
      granted: false,
      reason: 'daily cap',
      remaining: { run: 1, daily: 0, weekly: 5, monthly: 9 },
    };
    expect(pathsAndRules(validateReplyStrict(GovernanceReserveBudgetV1, reply))).toEqual([
      { path: '/remaining/monthly', rule: 'additionalProperties' },
    ]);
  });

  it('leaves the contract schema itself open (tolerant) and keeps explicit choices', () => {
    const closed = closeObjectSchemas(RunFinishedV1.data) as unknown as Record<string, unknown>;
    expect(closed['additionalProperties']).toBe(false);
    expect(
      (RunFinishedV1.data as unknown as Record<string, unknown>)['additionalProperties'],
    ).toBeUndefined();
    expect((closeObjectSchemas(Envelope) as unknown as Record<string, unknown>)['additionalProperties']).toBe(
      true,
    );
  });

  it('follows schema keywords, not field names: a field called `properties` stays a field', () => {
    const schema = Type.Object({ properties: Type.Object({ a: Type.String() }) });
    const closed = closeObjectSchemas(schema) as unknown as {
      properties: { properties: { additionalProperties?: unknown; properties: Record<string, unknown> } };
      additionalProperties: unknown;
    };
    expect(closed.additionalProperties).toBe(false);
    expect(Object.keys(closed.properties)).toEqual(['properties']);
    expect(closed.properties.properties.additionalProperties).toBe(false);
    expect(Object.keys(closed.properties.properties.properties)).toEqual(['a']);
  });
});
