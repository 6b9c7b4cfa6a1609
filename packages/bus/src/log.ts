/** Where the bus reports what an operator should see (connect retries, dead letters). pino fits. */
export type BusLog = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

/** One JSON line per entry on stderr: readable without a logger configured. */
export const consoleBusLog: BusLog = (level, msg, fields) => {
  console.error(JSON.stringify({ level, time: new Date().toISOString(), component: 'bus', msg, ...fields }));
};
