import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
  type StreamUpdateConfig,
} from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { millis, nanos } from '@nats-io/transport-node';
import { BusUnavailableError } from '../errors';
import type { BusLog } from '../log';
import { PAYLOADS_BUCKET } from './payload-store';

/** The three streams of DESIGN.md section 3. Fixed names: one bus per NATS account. */
export const STREAMS = { events: 'AP_EVENTS', work: 'AP_WORK', dlq: 'AP_DLQ' } as const;

/**
 * How the streams are created when they do not exist yet. The defaults suit a single server. An
 * existing stream keeps its replicas and limits (an operator may have set them: R3, a retention
 * age); provisioning only adds what the bus needs and the stream lacks (see `provisionStreams`).
 */
export interface ProvisionOptions {
  /**
   * JetStream de-duplication window for `Nats-Msg-Id`. Default 2 minutes (JetStream's default).
   * When set, it is applied to existing streams too: it is the bus's de-duplication guarantee.
   */
  duplicateWindowMs?: number;
  /** Replicas of a new stream (a cluster: 3). Default 1. */
  replicas?: number;
  /** Drop events older than this from a new AP_EVENTS. Default 0: keep all (the gateway replays them). */
  eventsMaxAgeMs?: number;
  /** Size cap of a new AP_EVENTS; the oldest events go first. Default -1: none. */
  eventsMaxBytes?: number;
  /** Size cap of a new AP_WORK; past it publishes are refused. Default -1: none. */
  workMaxBytes?: number;
  /** Drop dead letters older than this from a new AP_DLQ. Default 0: keep all. */
  deadLettersMaxAgeMs?: number;
  /** Size cap of a new AP_DLQ; the oldest dead letters go first. Default -1: none. */
  deadLettersMaxBytes?: number;
  /**
   * TTL of the bodies a new AP_PAYLOADS bucket keeps (the claim check, payload-store.ts). Default:
   * AP_EVENTS's max age, so 0 (keep forever) unless events expire. The gateway replays the event
   * log, so a claim-checked event must stay readable as long as the event itself; a shorter TTL
   * leaves old stubs pointing at nothing (their consumers dead-letter them, BUS_PAYLOAD_MISSING).
   */
  payloadsMaxAgeMs?: number;
}

type NewStream = Partial<StreamConfig> & {
  name: string;
  subjects: string[];
  retention: RetentionPolicy;
  duplicate_window: number;
};

/** The configuration of each stream when it is created. */
export function streamConfigs(opts: ProvisionOptions = {}): NewStream[] {
  const duplicate_window = nanos(opts.duplicateWindowMs ?? 120_000);
  // Only 2.9-era fields: 2.9.10 refuses metadata, compression and friends (PLATFORM.md).
  const common = {
    storage: StorageType.File,
    num_replicas: Math.max(1, Math.floor(opts.replicas ?? 1)),
    duplicate_window,
  };
  return [
    {
      ...common,
      name: STREAMS.events,
      subjects: ['ap.*.evt.>'],
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(opts.eventsMaxAgeMs ?? 0),
      max_bytes: opts.eventsMaxBytes ?? -1,
    },
    {
      ...common,
      name: STREAMS.work,
      subjects: ['ap.*.cmd.>'],
      retention: RetentionPolicy.Workqueue,
      // A full work queue refuses the publish (the outbox keeps it) rather than drop queued work.
      discard: DiscardPolicy.New,
      max_bytes: opts.workMaxBytes ?? -1,
    },
    {
      ...common,
      name: STREAMS.dlq,
      // `ap.dlq.*`, not `ap.dlq.>`: the latter overlaps `ap.*.evt.>` (`ap.dlq.evt.x`), which JetStream refuses.
      subjects: ['ap.dlq.*'],
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(opts.deadLettersMaxAgeMs ?? 0),
      max_bytes: opts.deadLettersMaxBytes ?? -1,
    },
  ];
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/**
 * What an existing stream lacks of `wanted`: its subjects, and the duplicate window when the caller
 * chose one. Never replicas, storage or limits: those are the operator's once the stream exists.
 */
export function missingConfig(
  existing: StreamConfig,
  wanted: NewStream,
  opts: ProvisionOptions,
): Partial<StreamUpdateConfig> | undefined {
  const update: Partial<StreamUpdateConfig> = {};
  const subjects = existing.subjects ?? [];
  const missing = wanted.subjects.filter((s) => !subjects.includes(s));
  if (missing.length > 0) update.subjects = [...subjects, ...missing];
  if (opts.duplicateWindowMs !== undefined && existing.duplicate_window !== wanted.duplicate_window) {
    update.duplicate_window = wanted.duplicate_window;
  }
  return Object.keys(update).length > 0 ? update : undefined;
}

/**
 * Creates the streams and the payload bucket that do not exist; safe to run from every process at
 * every start. An existing stream is left as it is but for what it lacks (`missingConfig`), so
 * provisioning never scales a clustered stream down or resets a retention an operator set; an
 * existing bucket is left as it is. Two processes racing to create one: the loser finds it existing.
 */
export async function provisionStreams(
  jsm: JetStreamManager,
  opts: ProvisionOptions = {},
  log?: BusLog,
): Promise<void> {
  for (const config of streamConfigs(opts)) {
    const name = config.name;
    let existing: StreamInfo | undefined;
    try {
      existing = await jsm.streams.info(name);
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NOT_FOUND) throw err;
    }
    if (!existing) {
      try {
        await jsm.streams.add(config);
        log?.('info', 'stream created', { stream: name, replicas: config.num_replicas });
        continue;
      } catch (err) {
        if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NAME_IN_USE) throw err;
        existing = await jsm.streams.info(name);
      }
    }
    // Retention and storage cannot change in place; a stream made otherwise needs an operator.
    if (existing.config.retention !== config.retention) {
      throw new BusUnavailableError(
        `stream ${name} has ${existing.config.retention} retention, expected ${String(config.retention)}; ` +
          `move its messages and delete it, then restart`,
      );
    }
    const update = missingConfig(existing.config, config, opts);
    if (update) {
      await jsm.streams.update(name, update);
      log?.('info', 'stream updated', { stream: name, added: Object.keys(update) });
    }
  }
  await provisionPayloadBucket(jsm, opts, log);
}

/** The stream behind an object store bucket (the `OBJ_` prefix is nats.js's and the server's). */
export const PAYLOADS_STREAM = `OBJ_${PAYLOADS_BUCKET}`;

/**
 * Creates AP_PAYLOADS when it does not exist, with the TTL of `payloadsMaxAgeMs` or else the age
 * AP_EVENTS keeps events for (run after the streams). An existing bucket keeps its TTL, replicas
 * and size cap, as a stream does; a TTL shorter than the events' is only reported.
 */
async function provisionPayloadBucket(
  jsm: JetStreamManager,
  opts: ProvisionOptions,
  log: BusLog | undefined,
): Promise<void> {
  const eventsMaxAge = (await jsm.streams.info(STREAMS.events)).config.max_age;
  let existing: StreamInfo | undefined;
  try {
    existing = await jsm.streams.info(PAYLOADS_STREAM);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NOT_FOUND) throw err;
  }
  if (existing) {
    const ttl = existing.config.max_age;
    if (ttl > 0 && (eventsMaxAge === 0 || ttl < eventsMaxAge)) {
      log?.('warn', 'payload bucket expires bodies before their events', {
        bucket: PAYLOADS_BUCKET,
        ttlMs: millis(ttl),
        eventsMaxAgeMs: millis(eventsMaxAge),
      });
    }
    return;
  }
  const ttl = opts.payloadsMaxAgeMs === undefined ? eventsMaxAge : nanos(opts.payloadsMaxAgeMs);
  const replicas = Math.max(1, Math.floor(opts.replicas ?? 1));
  try {
    // Objm.create makes the stream an object store needs (rollups, direct get) and opens it.
    await new Objm(jsm.jetstream()).create(PAYLOADS_BUCKET, {
      ttl,
      replicas,
      storage: StorageType.File,
    });
    log?.('info', 'payload bucket created', { bucket: PAYLOADS_BUCKET, ttlMs: millis(ttl), replicas });
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NAME_IN_USE) throw err;
  }
}
