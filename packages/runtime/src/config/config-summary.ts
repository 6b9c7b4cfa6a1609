import { maskSecrets } from './mask';
import type { RuntimeConfig } from './config';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The settings in effect, for the one start-up log line: the validated config plus every
 * `AUTOPILOT_*` variable (integrations add their own, e.g. an API key), all masked.
 */
export function configSummary(config: RuntimeConfig, env: Env = process.env): Record<string, unknown> {
  const extra = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith('AUTOPILOT_') && v !== undefined),
  );
  return maskSecrets({ ...config, env: extra });
}
