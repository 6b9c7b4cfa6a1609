import { maskSecrets } from './mask';
import type { RuntimeConfig } from './config';
import { RUNTIME_SETTING_NAMES } from './config';
import { settingsSummary, type DeclaresSettings } from '../settings';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The settings in effect, for the one start-up log line: the validated runtime config, the settings
 * of each service about to run (secrets masked), and the names of `AUTOPILOT_*` variables nothing
 * declares (a misspelt setting is silently ignored otherwise). Values are never shown for those.
 */
export function configSummary(
  config: RuntimeConfig,
  services: readonly DeclaresSettings[],
  env: Env,
): Record<string, unknown> {
  const declared = new Set<string>(RUNTIME_SETTING_NAMES);
  for (const service of services) for (const s of service.settings?.settings ?? []) declared.add(s.env);
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith('AUTOPILOT_') && !declared.has(name))
    .sort();
  return {
    ...maskSecrets({ ...config }),
    services: settingsSummary(services, env),
    ...(unknown.length > 0 ? { unknownVariables: unknown } : {}),
  };
}
