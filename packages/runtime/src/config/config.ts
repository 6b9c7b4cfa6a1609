import { ConfigError } from '@autopilot/kernel';
import {
  NATS_SECURITY_SETTING_NAMES,
  readNatsSecurity,
  splitNatsUrlCredentials,
  type NatsAuthConfig,
  type NatsTlsConfig,
} from './nats-auth-config';

/** Log levels pino knows, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings every topology reads from the environment, validated once at start. */
export interface RuntimeConfig {
  /** JetStream servers for `autopilot service`, comma-separated in `NATS_URL`, without credentials. */
  natsUrls: string[];
  /** Who `service` is to NATS: NATS_URL's userinfo, NATS_USER + NATS_PASSWORD, NATS_TOKEN, an NKey or a `.creds` file. */
  natsAuth?: NatsAuthConfig;
  /** TLS towards NATS (NATS_TLS_*); a `tls://` server in NATS_URL requires TLS too. */
  natsTls?: NatsTlsConfig;
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
  /** How long a service's inbox remembers a handled message (a later duplicate is handled again). */
  inboxRetentionMs: number;
  /** The largest event or command body a consumer takes; larger ones are dead-lettered unread. */
  maxMessageBytes: number;
  /**
   * The bus's de-duplication window: set on the JetStream streams at start (existing ones too), or
   * the in-process bus's. Absent: 2 minutes, and existing streams keep theirs.
   */
  duplicateWindowMs?: number;
}

export const CONFIG_DEFAULTS = {
  natsUrl: 'nats://127.0.0.1:4222',
  dir: '.autopilot',
  host: '127.0.0.1',
  logLevel: 'info',
  shutdownTimeoutMs: 10_000,
  outboxIntervalMs: 250,
  inboxRetentionMs: 30 * 24 * 3_600_000,
  // DEFAULT_MAX_MESSAGE_BYTES of @autopilot/bus: 64 MiB, five times a 500k-word blueprint.ingested.
  maxMessageBytes: 64 * 1024 * 1024,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Every variable `loadConfig` reads (the README's configuration table lists each). */
export const RUNTIME_SETTING_NAMES = [
  'NATS_URL',
  ...NATS_SECURITY_SETTING_NAMES,
  'MONGO_URL',
  'AUTOPILOT_DIR',
  'PORT',
  'AUTOPILOT_HOST',
  'LOG_LEVEL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'AUTOPILOT_SHUTDOWN_TIMEOUT_MS',
  'AUTOPILOT_OUTBOX_INTERVAL_MS',
  'AUTOPILOT_INBOX_RETENTION_MS',
  'AUTOPILOT_DUPLICATE_WINDOW_MS',
  'AUTOPILOT_MAX_MESSAGE_BYTES',
] as const;

/** Reads and validates the runtime settings. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): RuntimeConfig {
  const nats = splitNatsUrlCredentials(parseNatsUrls(read(env, 'NATS_URL') ?? CONFIG_DEFAULTS.natsUrl));
  const config: RuntimeConfig = {
    natsUrls: nats.urls,
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
    inboxRetentionMs: parseInteger(
      'AUTOPILOT_INBOX_RETENTION_MS',
      read(env, 'AUTOPILOT_INBOX_RETENTION_MS'),
      CONFIG_DEFAULTS.inboxRetentionMs,
      { min: 1 },
    ),
    maxMessageBytes: readMaxMessageBytes(env),
  };
  const duplicateWindow = read(env, 'AUTOPILOT_DUPLICATE_WINDOW_MS');
  if (duplicateWindow !== undefined) {
    // 0 is refused: JetStream would read it as "its default", not as "no window".
    config.duplicateWindowMs = parseInteger('AUTOPILOT_DUPLICATE_WINDOW_MS', duplicateWindow, 0, {
      min: 1,
    });
  }
  const security = readNatsSecurity((name) => read(env, name), nats.auth);
  if (security.auth) config.natsAuth = security.auth;
  if (security.tls) config.natsTls = security.tls;
  const mongoUrl = read(env, 'MONGO_URL');
  if (mongoUrl !== undefined) config.mongoUrl = parseMongoUrl(mongoUrl);
  const port = read(env, 'PORT');
  if (port !== undefined) config.port = parsePort('PORT', port);
  const otlp = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (otlp !== undefined) config.otlpEndpoint = parseHttpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', otlp);
  return config;
}

/**
 * `AUTOPILOT_MAX_MESSAGE_BYTES` alone, validated as `loadConfig` does it: for a command that runs
 * services but reads no other runtime setting (`autopilot plan`). Throws ConfigError.
 */
export function readMaxMessageBytes(env: Env = process.env): number {
  // At least 1 MiB: every server's default max_payload must fit, or ordinary messages are refused.
  return parseInteger(
    'AUTOPILOT_MAX_MESSAGE_BYTES',
    read(env, 'AUTOPILOT_MAX_MESSAGE_BYTES'),
    CONFIG_DEFAULTS.maxMessageBytes,
    { min: 1024 * 1024 },
  );
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
