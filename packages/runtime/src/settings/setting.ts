import { ConfigError } from '@autopilot/kernel';

/** The environment as the runtime reads it: variable name to raw value. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * One setting a service declares: the variable it is read from, what it means (the README's
 * configuration table says the same), and how a raw value becomes a typed one.
 */
export interface Setting<T> {
  readonly env: string;
  readonly description: string;
  /** What applies when the variable is unset, in words ("20", "unset: no model"). */
  readonly defaultText: string;
  /** Masked wherever settings are shown (the effective-configuration log line). */
  readonly secret: boolean;
  /** Parses the raw value (undefined when unset or blank). Throws ConfigError naming `env`. */
  parse(raw: string | undefined): T;
}

interface SettingText {
  readonly env: string;
  readonly description: string;
}

/** An unset or blank variable counts as absent, so `FOO= cmd` falls back to the default. */
export function readRaw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** Constructors for the kinds of settings services declare. */
export const setting = {
  /** Free text; absent when unset. `secret` masks it in logs (API keys, tokens). */
  text(opts: SettingText & { secret?: boolean; defaultText?: string }): Setting<string | undefined> {
    return {
      env: opts.env,
      description: opts.description,
      defaultText: opts.defaultText ?? 'unset',
      secret: opts.secret ?? false,
      parse: (raw) => raw,
    };
  },

  /** A whole number within `min..max`, `fallback` when unset. */
  wholeNumber(opts: SettingText & { fallback: number; min: number; max?: number }): Setting<number> {
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    return {
      env: opts.env,
      description: opts.description,
      defaultText: String(opts.fallback),
      secret: false,
      parse(raw) {
        if (raw === undefined) return opts.fallback;
        if (!/^\d+$/.test(raw)) throw new ConfigError(opts.env, `"${raw}" is not a whole number`);
        const value = Number(raw);
        if (value < opts.min || value > max) {
          throw new ConfigError(opts.env, `${raw} is outside ${opts.min}..${max}`);
        }
        return value;
      },
    };
  },

  /** `true` or `false` (also `1`/`0`, `yes`/`no`), `fallback` when unset. */
  flag(opts: SettingText & { fallback: boolean }): Setting<boolean> {
    return {
      env: opts.env,
      description: opts.description,
      defaultText: String(opts.fallback),
      secret: false,
      parse(raw) {
        if (raw === undefined) return opts.fallback;
        const value = FLAG_VALUES[raw.toLowerCase()];
        if (value === undefined) throw new ConfigError(opts.env, `"${raw}" is not true or false`);
        return value;
      },
    };
  },

  /** An http:// or https:// URL; absent when unset. */
  httpUrl(opts: SettingText & { defaultText?: string }): Setting<string | undefined> {
    return {
      env: opts.env,
      description: opts.description,
      defaultText: opts.defaultText ?? 'unset',
      secret: false,
      parse(raw) {
        if (raw === undefined) return undefined;
        if (!isHttpUrl(raw)) throw new ConfigError(opts.env, `"${raw}" is not an http:// or https:// URL`);
        return raw;
      },
    };
  },
};

const FLAG_VALUES: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
};

function isHttpUrl(raw: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(raw).protocol);
  } catch {
    return false;
  }
}
