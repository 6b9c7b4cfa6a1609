import { describe, expect, it } from '@jest/globals';
import { BudgetInvalidAmountError } from './budget-errors';
import { MAX_CALL_MICROS, assertMicros, microsToUsd, usdToMicros } from './micro-usd';

describe('usdToMicros', () => {
  it.each([
    [0, 0],
    [0.1, 100_000],
    [0.3, 300_000],
    [1.234567, 1_234_567],
    [2.5, 2_500_000],
    [10_000, 10_000_000_000],
  ])('%p USD is %p micro-USD, exactly', (usd, micros) => {
    expect(usdToMicros(usd, 'x', MAX_CALL_MICROS)).toBe(micros);
  });

  it('sums without float drift: ten 0.1 USD are one dollar', () => {
    let sum = 0;
    for (let i = 0; i < 10; i++) sum += usdToMicros(0.1, 'x', MAX_CALL_MICROS);
    expect(microsToUsd(sum)).toBe(1);
  });

  it.each([
    [-0.01, 'is negative'],
    [Number.NaN, 'is not a number'],
    [Number.POSITIVE_INFINITY, 'is not finite'],
    [10_000.01, 'is above the sane maximum'],
    ['5' as unknown as number, 'is not a number'],
  ])('refuses %p (%s) with a typed error naming the field', (usd, problem) => {
    const err = catchError(() => usdToMicros(usd, 'estimateUsd', MAX_CALL_MICROS));
    expect(err).toBeInstanceOf(BudgetInvalidAmountError);
    expect(err).toMatchObject({ code: 'GOVERNANCE_BUDGET_INVALID_AMOUNT', field: 'estimateUsd' });
    expect((err as Error).message).toContain(problem);
  });
});

describe('assertMicros', () => {
  it.each([[-1], [1.5], [Number.NaN], [Number.NEGATIVE_INFINITY], [MAX_CALL_MICROS + 1]])(
    'refuses %p',
    (m) => {
      expect(() => assertMicros(m, 'actualMicros', MAX_CALL_MICROS)).toThrow(BudgetInvalidAmountError);
    },
  );
  it('accepts 0 and the maximum', () => {
    expect(assertMicros(0, 'a', MAX_CALL_MICROS)).toBe(0);
    expect(assertMicros(MAX_CALL_MICROS, 'a', MAX_CALL_MICROS)).toBe(MAX_CALL_MICROS);
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
