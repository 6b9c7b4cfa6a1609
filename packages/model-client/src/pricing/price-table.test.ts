import { describe, expect, it } from '@jest/globals';
import { BudgetInvalidPriceError, BudgetUnknownModelError } from './pricing-errors';
import { parsePriceTable, priceFor, priceTableProblems, type PriceTableConfig } from './price-table';

const table: PriceTableConfig = {
  'gpt-4.1': { inputUsdPerMillion: 2, cachedInputUsdPerMillion: 0.5, outputUsdPerMillion: 8 },
  'free-cache': { inputUsdPerMillion: 0.075, cachedInputUsdPerMillion: 0, outputUsdPerMillion: 0.3 },
};

const bad = (field: string, value: unknown): PriceTableConfig =>
  ({
    m: { inputUsdPerMillion: 1, cachedInputUsdPerMillion: 0.1, outputUsdPerMillion: 4, [field]: value },
  }) as never;

describe('priceFor', () => {
  it('converts USD per million tokens to whole micro-USD per million tokens', () => {
    expect(priceFor(table, 'gpt-4.1')).toEqual({
      model: 'gpt-4.1',
      inputMicrosPerMillion: 2_000_000,
      cachedInputMicrosPerMillion: 500_000,
      outputMicrosPerMillion: 8_000_000,
    });
    expect(priceFor(table, 'free-cache').cachedInputMicrosPerMillion).toBe(0);
    expect(priceFor(table, 'free-cache').inputMicrosPerMillion).toBe(75_000);
  });

  it.each([['gpt-5-unknown'], ['constructor'], ['__proto__'], ['']])(
    'refuses model %p missing from the table',
    (model) => {
      expect(() => priceFor(table, model)).toThrow(BudgetUnknownModelError);
      expect(() => priceFor(table, model)).toThrow(JSON.stringify(model));
    },
  );

  it.each([
    ['inputUsdPerMillion', 0, 'is not positive'],
    ['outputUsdPerMillion', 0, 'is not positive'],
    ['inputUsdPerMillion', -1, 'is negative'],
    ['cachedInputUsdPerMillion', -0.1, 'is negative'],
    ['outputUsdPerMillion', Number.NaN, 'is not a number'],
    ['outputUsdPerMillion', Number.POSITIVE_INFINITY, 'is not finite'],
    ['inputUsdPerMillion', '2', 'is not a number'],
    ['inputUsdPerMillion', undefined, 'is not a number'],
    ['outputUsdPerMillion', 10_001, 'is above the sane maximum'],
    ['outputUsdPerMillion', 1e-9, 'is below one micro-USD'],
  ])('refuses %s = %p (%s), naming the model', (field, value, problem) => {
    let err: unknown;
    try {
      priceFor(bad(field, value), 'm');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BudgetInvalidPriceError);
    expect(err).toMatchObject({ code: 'GOVERNANCE_BUDGET_INVALID_PRICE', model: 'm', field });
    expect((err as Error).message).toContain(problem);
  });

  it('refuses an entry that is not an object', () => {
    expect(() => priceFor({ m: null } as never, 'm')).toThrow(BudgetInvalidPriceError);
  });
});

describe('priceTableProblems', () => {
  it('lists every bad model and nothing for a good table', () => {
    expect(priceTableProblems(table)).toEqual([]);
    const problems = priceTableProblems({ ...table, ...bad('outputUsdPerMillion', -1) });
    expect(problems.map((p) => p.model)).toEqual(['m']);
  });
});

describe('parsePriceTable', () => {
  it('returns a valid table and names the setting and the model of a bad one', () => {
    expect(parsePriceTable('PRICES', JSON.stringify(table))).toEqual(table);
    expect(() => parsePriceTable('PRICES', '{nope')).toThrow(/^PRICES: its JSON does not parse/);
    expect(() => parsePriceTable('PRICES', '[]')).toThrow(/PRICES: its JSON is not an object of models/);
    expect(() =>
      parsePriceTable('PRICES', JSON.stringify({ m: { ...table['gpt-4.1'], outputUsdPerMillion: -1 } })),
    ).toThrow(/PRICES: model "m": price outputUsdPerMillion = -1 is negative/);
  });
});
