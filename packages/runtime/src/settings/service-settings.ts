import type { Env, Setting } from './setting';
import { readRaw } from './setting';

/** Settings by key, as a service declares them. */
export type SettingsShape = Readonly<Record<string, Setting<unknown>>>;

/** The parsed values of a shape, by the same keys. */
export type SettingsValues<S extends SettingsShape> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

/**
 * Everything a service reads from its environment: each setting declared once (for validation, the
 * effective-configuration line and the README), and how the values combine into what the service
 * injects. The runtime reads them at start, before anything binds or connects.
 */
export interface ServiceSettingsSpec<T> {
  readonly settings: readonly Setting<unknown>[];
  /** Parses and checks every setting. Throws ConfigError naming the first bad variable. */
  read(env: Env): T;
}

/**
 * Declares a service's settings. `combine` checks values against each other (throwing ConfigError
 * naming a variable) and shapes them for the module; by default the values by key.
 */
export function defineSettings<S extends SettingsShape, T = SettingsValues<S>>(
  shape: S,
  combine?: (values: SettingsValues<S>) => T,
): ServiceSettingsSpec<T> {
  return {
    settings: Object.values(shape),
    read(env) {
      const values: Record<string, unknown> = {};
      for (const [key, spec] of Object.entries(shape)) values[key] = spec.parse(readRaw(env, spec.env));
      const typed = values as SettingsValues<S>;
      return combine ? combine(typed) : (typed as unknown as T);
    },
  };
}

/**
 * Injection token for the parsed settings of the service being hosted (what its definition's
 * `settings.read` returned). Only a service's module injects it, to build its adapters.
 */
export const ServiceSettings = Symbol('ServiceSettings');
