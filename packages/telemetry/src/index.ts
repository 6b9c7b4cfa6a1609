/**
 * @autopilot/telemetry: OpenTelemetry setup (one SDK per process), W3C trace context ⇄ message
 * headers, `withSpan`, and the span attribute names of DESIGN.md section 7. Must not be imported
 * from `domain/`; imports no other @autopilot package.
 *
 *   const telemetry = startTelemetry({ serviceName: 'autopilot' });
 *   injectTraceContext(headers); // producer side; consumers: withTraceContext(headers, handle)
 *   await telemetry.shutdown();
 */
export * from './attributes';
export * from './start-telemetry';
export * from './trace-context';
export * from './consumer-span';
export * from './with-span';
export * from './begin-trace';
export { runAsService } from './service-context';
