import { ConfigError } from '@autopilot/kernel';

/** Log levels pino knows, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings every topology reads from the environment, validated once at start. */
export interface RuntimeConfig {
  /** JetStream servers for `autopilot service`, comma-separated in `NATS_URL`. */
  natsUrls: string[];
  /** MongoDB connection string; absent means the embedded SQLite store. */
  mongoUrl?: string;
  /** Where embedded stores keep `<service>.db` (`AUTOPILOT_DIR`). */
  dir: string;
  /** HTTP port from `PORT`; a `--port` flag wins over it. */
  port?: number;
  /** Interface the HTTP server binds (`AUTOPILOT_HOST`). */
  host: string;
  logLevel: LogLevel;
  /** OTLP/HTTP trace endpoint; absent means no trace export. */
  otlpEndpoint?: string;
  /** How long a graceful shutdown may take before the process is forced out. */
  shutdownTimeoutMs: number;
  /** How often the outbox relay drains when nobody nudges it. */
  outboxIntervalMs: number;
}

export const CONFIG_DEFAULTS = {
  natsUrl: 'nats://127.0.0.1:4222',
  dir: '.autopilot',
  host: '127.0.0.1',
  logLevel: 'info',
  shutdownTimeoutMs: 10_000,
  outboxIntervalMs: 250,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Every variable `loadConfig` reads (the README's configuration table lists each). */
export const RUNTIME_SETTING_NAMES = [
  'NATS_URL',
  'MONGO_URL',
  'AUTOPILOT_DIR',
  'PORT',
  'AUTOPILOT_HOST',
  'LOG_LEVEL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'AUTOPILOT_SHUTDOWN_TIMEOUT_MS',
  'AUTOPILOT_OUTBOX_INTERVAL_MS',
] as const;

/** Reads and validates the runtime settings. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): RuntimeConfig {
  const config: RuntimeConfig = {
    natsUrls: parseNatsUrls(read(env, 'NATS_URL') ?? CONFIG_DEFAULTS.natsUrl),
    dir: read(env, 'AUTOPILOT_DIR') ?? CONFIG_DEFAULTS.dir,
    host: read(env, 'AUTOPILOT_HOST') ?? CONFIG_DEFAULTS.host,
    logLevel: parseLogLevel(read(env, 'LOG_LEVEL') ?? CONFIG_DEFAULTS.logLevel),
    shutdownTimeoutMs: parseInteger(
      'AUTOPILOT_SHUTDOWN_TIMEOUT_MS',
      read(env, 'AUTOPILOT_SHUTDOWN_TIMEOUT_MS'),
      CONFIG_DEFAULTS.shutdownTimeoutMs,
      { min: 1 },
    ),
    outboxIntervalMs: parseInteger(
      'AUTOPILOT_OUTBOX_INTERVAL_MS',
      read(env, 'AUTOPILOT_OUTBOX_INTERVAL_MS'),
      CONFIG_DEFAULTS.outboxIntervalMs,
      { min: 1 },
    ),
  };
  const mongoUrl = read(env, 'MONGO_URL');
  if (mongoUrl !== undefined) config.mongoUrl = parseMongoUrl(mongoUrl);
  const port = read(env, 'PORT');
  if (port !== undefined) config.port = parsePort('PORT', port);
  const otlp = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (otlp !== undefined) config.otlpEndpoint = parseHttpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', otlp);
  return config;
}

/** An unset or blank variable counts as absent, so `FOO= cmd` falls back to the default. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A TCP port, 0 (any free port) to 65535. Throws ConfigError naming `setting`. */
export function parsePort(setting: string, raw: string): number {
  return parseInteger(setting, raw, 0, { min: 0, max: 65_535 });
}

function parseInteger(
  setting: string,
  raw: string | undefined,
  fallback: number,
  { min, max = Number.MAX_SAFE_INTEGER }: { min: number; max?: number },
): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(setting, `"${raw}" is not a whole number`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(setting, `${raw} is outside ${min}..${max}`);
  return value;
}

function parseLogLevel(raw: string): LogLevel {
  const level = raw.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError('LOG_LEVEL', `"${raw}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  return level as LogLevel;
}

function parseNatsUrls(raw: string): string[] {
  const urls = raw
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (urls.length === 0) throw new ConfigError('NATS_URL', 'no server given');
  return urls.map((u) => {
    // nats.js accepts `host:port` without a scheme; so do we.
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `nats://${u}`;
    const url = tryUrl(withScheme);
    if (!url || !['nats:', 'tls:', 'ws:', 'wss:'].includes(url.protocol) || !url.hostname) {
      // Never repeats a credential: the userinfo of a URL (a token for NATS) is masked.
      const shown = u.replace(/\/\/[^/?#@\s]*@/, '//***@');
      throw new ConfigError(
        'NATS_URL',
        `"${shown}" is not a nats://, tls://, ws:// or wss:// server address`,
      );
    }
    return withScheme;
  });
}

function parseMongoUrl(raw: string): string {
  // Not parsed with URL: a replica-set string lists several host:port pairs, which URL refuses.
  if (!/^mongodb(\+srv)?:\/\/[^/?#]+/.test(raw)) {
    // The raw value may hold a password, so the message never repeats it.
    throw new ConfigError('MONGO_URL', 'must be a mongodb:// or mongodb+srv:// connection string');
  }
  return raw;
}

function parseHttpUrl(setting: string, raw: string): string {
  const url = tryUrl(raw);
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new ConfigError(setting, `"${raw}" is not an http:// or https:// URL`);
  }
  return raw;
}

function tryUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}
