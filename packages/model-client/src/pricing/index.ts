/**
 * @autopilot/model-client/pricing: the price table (USD per million tokens by model) and the cost of
 * a call, shared by the model client (which reserves and records cost) and governance (which holds
 * the budget ledger). Pure: imports nothing but @autopilot/kernel, so domain code may use it.
 *
 *   const price = priceFor(parsePriceTable('AUTOPILOT_PRICE_TABLE', json), 'gpt-4.1');
 *   const micros = usageCostMicros(price, { inputTokens: 1200, cachedInputTokens: 0, outputTokens: 300 });
 */
export * from './pricing-errors';
export * from './micros';
export * from './price-table';
export * from './call-cost';
