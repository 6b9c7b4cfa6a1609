/**
 * @autopilot/telemetry/testing: in-memory tracing for tests. Never imported by production code.
 *
 *   const tracing = installMemoryTracing();
 *   await withSpan('dispatch', { [ATTR_AUTOPILOT_RUN_ID]: runId }, () => dispatch());
 *   expect(tracing.spans().map((s) => s.name)).toEqual(['dispatch']);
 */
export * from './memory-tracing';
