import { ConfigError } from '@autopilot/kernel';
import { BudgetInvalidPriceError, BudgetUnknownModelError } from './pricing-errors';
import { MICROS_PER_USD } from './micros';

/** One model's prices as configured: US dollars per million tokens. */
export interface ModelPriceConfig {
  readonly inputUsdPerMillion: number;
  /** Input tokens the provider served from its prompt cache; 0 is allowed (free cache hits). */
  readonly cachedInputUsdPerMillion: number;
  readonly outputUsdPerMillion: number;
}

/** The price table from configuration, keyed by model name. Values are validated on use, fail closed. */
export type PriceTableConfig = Readonly<Record<string, ModelPriceConfig>>;

/**
 * A validated price in micro-USD per million tokens, a whole number. (USD per million tokens is
 * numerically micro-USD per token, so this unit is "micro-micro-USD per token": a call's cost is
 * tokens x price / 1e6 micro-USD, computed exactly with BigInt in `call-cost.ts`.)
 */
export interface ModelPrice {
  readonly model: string;
  readonly inputMicrosPerMillion: number;
  readonly cachedInputMicrosPerMillion: number;
  readonly outputMicrosPerMillion: number;
}

/** No model costs more than this per million tokens; a larger value is a typo in the table. */
export const MAX_USD_PER_MILLION_TOKENS = 10_000;

const FIELDS = [
  ['inputUsdPerMillion', 'inputMicrosPerMillion', false],
  ['cachedInputUsdPerMillion', 'cachedInputMicrosPerMillion', true],
  ['outputUsdPerMillion', 'outputMicrosPerMillion', false],
] as const;

/**
 * The validated price of `model`. Throws `BudgetUnknownModelError` when the table has no entry for it
 * (own keys only: "constructor" is not a model), `BudgetInvalidPriceError` when a price is missing,
 * not a finite number, negative, zero (cached input may be zero), above the sane maximum, or finer
 * than one micro-USD per million tokens.
 */
export function priceFor(table: PriceTableConfig, model: string): ModelPrice {
  if (typeof model !== 'string' || !Object.hasOwn(table, model))
    throw new BudgetUnknownModelError(String(model));
  const entry: unknown = table[model];
  if (typeof entry !== 'object' || entry === null) {
    throw new BudgetInvalidPriceError(model, 'entry', entry, 'is not an object of prices');
  }
  const raw = entry as Record<string, unknown>;
  const price: Record<string, number> = {};
  for (const [field, target, zeroAllowed] of FIELDS) {
    price[target] = priceMicros(model, field, raw[field], zeroAllowed);
  }
  return {
    model,
    inputMicrosPerMillion: price.inputMicrosPerMillion as number,
    cachedInputMicrosPerMillion: price.cachedInputMicrosPerMillion as number,
    outputMicrosPerMillion: price.outputMicrosPerMillion as number,
  };
}

/** Every problem in the table, for validating configuration at start (an empty list: all good). */
export function priceTableProblems(table: PriceTableConfig): BudgetInvalidPriceError[] {
  const problems: BudgetInvalidPriceError[] = [];
  for (const model of Object.keys(table)) {
    try {
      priceFor(table, model);
    } catch (e) {
      if (e instanceof BudgetInvalidPriceError) problems.push(e);
      else throw e;
    }
  }
  return problems;
}

function priceMicros(model: string, field: string, value: unknown, zeroAllowed: boolean): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new BudgetInvalidPriceError(model, field, value, 'is not a number');
  }
  if (!Number.isFinite(value)) throw new BudgetInvalidPriceError(model, field, value, 'is not finite');
  if (value < 0) throw new BudgetInvalidPriceError(model, field, value, 'is negative');
  if (value === 0 && !zeroAllowed) throw new BudgetInvalidPriceError(model, field, value, 'is not positive');
  if (value > MAX_USD_PER_MILLION_TOKENS) {
    throw new BudgetInvalidPriceError(
      model,
      field,
      value,
      `is above the sane maximum of ${MAX_USD_PER_MILLION_TOKENS} USD per million tokens`,
    );
  }
  const micros = Math.round(value * MICROS_PER_USD);
  // A positive price that rounds to zero would make calls free: refuse it rather than under-charge.
  if (micros === 0 && value > 0) {
    throw new BudgetInvalidPriceError(model, field, value, 'is below one micro-USD per million tokens');
  }
  return micros;
}

/**
 * Parses and checks a price table (JSON: model to prices) from configuration; `setting` names the
 * variable and `where` its source in the ConfigError, e.g. "its JSON" or a file name.
 */
export function parsePriceTable(setting: string, text: string, where = 'its JSON'): PriceTableConfig {
  let table: unknown;
  try {
    table = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(setting, `${where} does not parse: ${(e as Error).message}`);
  }
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new ConfigError(
      setting,
      `${where} is not an object of models, e.g. {"gpt-4.1":{"inputUsdPerMillion":2,"cachedInputUsdPerMillion":0.5,"outputUsdPerMillion":8}}`,
    );
  }
  const problems = priceTableProblems(table as PriceTableConfig);
  if (problems.length > 0) throw new ConfigError(setting, problems.map((p) => p.message).join('; '));
  return table as PriceTableConfig;
}
