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
import { BusUnavailableError } from '../errors';
import { nanos } from '@nats-io/transport-node';

/** The three streams of DESIGN.md section 3. Fixed names: one bus per NATS account. */
export const STREAMS = { events: 'AP_EVENTS', work: 'AP_WORK', dlq: 'AP_DLQ' } as const;

export interface ProvisionOptions {
  /** JetStream de-duplication window for `Nats-Msg-Id`. Default 2 minutes (JetStream's default). */
  duplicateWindowMs?: number;
  /** Drop events older than this from AP_EVENTS. Default 0: keep all (the gateway replays them). */
  eventsMaxAgeMs?: number;
  /** Drop dead letters older than this. Default 0: keep all. */
  deadLettersMaxAgeMs?: number;
}

export function streamConfigs(opts: ProvisionOptions = {}): (Partial<StreamConfig> & { name: string })[] {
  const duplicate_window = nanos(opts.duplicateWindowMs ?? 120_000);
  // Only 2.9-era fields: 2.9.10 refuses metadata, compression and friends (PLATFORM.md).
  const common = { storage: StorageType.File, num_replicas: 1, discard: DiscardPolicy.Old, duplicate_window };
  return [
    {
      ...common,
      name: STREAMS.events,
      subjects: ['ap.*.evt.>'],
      retention: RetentionPolicy.Limits,
      max_age: nanos(opts.eventsMaxAgeMs ?? 0),
    },
    { ...common, name: STREAMS.work, subjects: ['ap.*.cmd.>'], retention: RetentionPolicy.Workqueue },
    {
      ...common,
      name: STREAMS.dlq,
      // `ap.dlq.*`, not `ap.dlq.>`: the latter overlaps `ap.*.evt.>` (`ap.dlq.evt.x`), which JetStream refuses.
      subjects: ['ap.dlq.*'],
      retention: RetentionPolicy.Limits,
      max_age: nanos(opts.deadLettersMaxAgeMs ?? 0),
    },
  ];
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/**
 * Creates or updates the streams; safe to run from every process at every start. Two processes
 * racing to create a stream both end up updating it.
 */
export async function provisionStreams(jsm: JetStreamManager, opts: ProvisionOptions = {}): Promise<void> {
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
    const { name: _name, retention: _retention, storage: _storage, ...mutable } = config;
    await jsm.streams.update(name, mutable as Partial<StreamUpdateConfig>);
  }
}
