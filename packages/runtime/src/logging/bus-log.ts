import type { BusLog } from '@autopilot/bus';
import { maskSecrets, maskUrl } from '../config';
import type { Logger } from './logger';

/** The bus adapters' log calls (connect retries, dead letters) as log lines with `component: bus`. */
export function busLogFor(logger: Logger): BusLog {
  const child = logger.child({ component: 'bus' });
  // The adapter logs its server list and driver errors, which may carry credentials (a NATS token
  // is the whole userinfo of its URL): message and every field are masked, whatever logger this is.
  return (level, msg, fields) => child[level](maskSecrets(fields ?? {}), maskUrl(msg));
}
