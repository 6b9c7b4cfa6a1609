import type { BusLog } from '@autopilot/bus';
import type { Logger } from 'pino';
import { maskSecrets } from '../config';

/** The bus adapters' log calls (connect retries, dead letters) as pino lines with `component: bus`. */
export function busLogFor(logger: Logger): BusLog {
  const child = logger.child({ component: 'bus' });
  // Masked because the adapter logs its server list, which may carry credentials.
  return (level, msg, fields) => child[level](maskSecrets(fields ?? {}), msg);
}
