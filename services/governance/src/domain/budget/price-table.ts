/**
 * The price table lives in @autopilot/model-client/pricing, shared with the model client that
 * reserves and records the cost of every call (issue 15 item 6): one table, one way to price a call.
 */
export {
  MAX_USD_PER_MILLION_TOKENS,
  parsePriceTable,
  priceFor,
  priceTableProblems,
  type ModelPrice,
  type ModelPriceConfig,
  type PriceTableConfig,
} from '@autopilot/model-client/pricing';
