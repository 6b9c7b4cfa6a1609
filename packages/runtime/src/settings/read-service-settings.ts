import type { Env } from './setting';
import { readRaw } from './setting';
import type { ServiceSettingsSpec } from './service-settings';

/** The part of a service definition that settings need (kept structural: no import cycle). */
export interface DeclaresSettings {
  readonly name: string;
  readonly settings?: ServiceSettingsSpec<unknown>;
}

/** Parsed settings by service name. */
export type SettingsByService = ReadonlyMap<string, unknown>;

/**
 * Reads the settings of every service about to run, at start, so a bad value stops the process
 * before it binds a port or connects (exit 2 in the CLI). Throws ConfigError naming the variable.
 */
export function readServiceSettings(services: readonly DeclaresSettings[], env: Env): SettingsByService {
  const values = new Map<string, unknown>();
  for (const service of services) {
    if (service.settings) values.set(service.name, service.settings.read(env));
  }
  return values;
}

/**
 * The settings of `services` as the effective-configuration line shows them: each variable's value,
 * `***` for a secret that is set, or its default in words.
 */
export function settingsSummary(
  services: readonly DeclaresSettings[],
  env: Env,
): Record<string, Record<string, string>> {
  const summary: Record<string, Record<string, string>> = {};
  for (const service of services) {
    if (!service.settings || service.settings.settings.length === 0) continue;
    const shown: Record<string, string> = {};
    for (const spec of service.settings.settings) {
      const raw = readRaw(env, spec.env);
      shown[spec.env] = raw === undefined ? `(default: ${spec.defaultText})` : spec.secret ? '***' : raw;
    }
    summary[service.name] = shown;
  }
  return summary;
}
