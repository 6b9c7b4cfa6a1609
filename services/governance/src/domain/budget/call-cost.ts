/** The cost of a call lives in @autopilot/model-client/pricing, beside the price table (see price-table.ts). */
export {
  MAX_TOKENS_PER_CALL,
  tokens,
  usageCostMicros,
  worstCaseCostMicros,
  type CallEstimate,
  type TokenUsage,
} from '@autopilot/model-client/pricing';
