/**
 * @autopilot/model-client: the one model client (STYLE.md section 12 rule 6). Every model call
 * reserves its worst case through BudgetAdmission, calls an OpenAI-compatible Chat Completions
 * endpoint, records a GenAI span with `autopilot.cost_usd`, and settles or releases. Also the model
 * router (cheap first, strong after repeated failure or low confidence), the context compactor and
 * the tokenizer they share. Must not be imported from `domain/` (the pure price table is
 * `@autopilot/model-client/pricing`); the governance BudgetAdmission over the bus is
 * `@autopilot/model-client/governance`, for composition roots.
 *
 *   const client = new ModelClient({ provider, router, priceTable, admission, timers, clock, ids });
 *   const answer = await client.complete({ role: 'worker_code', messages, tools, maxTokens: 2000,
 *     projectId, runId, purpose: 'worker_code step 3' });
 */
export * from './budget-admission';
export * from './context-compactor';
export * from './model-client';
export * from './model-client-errors';
export * from './model-messages';
export * from './model-router';
export * from './token-counter';
export * from './pricing';
export * from './verify-model-access';
