/**
 * bench:bus — publish → consume → ack through our JetStream adapter, next to raw nats.js doing the
 * same work against the same nats-server in the same run. Both sides publish with a window of
 * PUBLISH_WINDOW publishes in flight, de-duplicate by message id, and ack every message from a
 * durable pull consumer. Runs alternate (raw, adapter, raw, ...) and the medians are reported.
 */
import { performance } from 'node:perf_hooks';
import { Type } from '@sinclair/typebox';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { defineMessage } from '@autopilot/contracts';
import { connectJetStreamBus } from '@autopilot/bus/jetstream';
import { startNatsServer } from '@autopilot/testing';
import { benchLine, median, quantile, round } from './bench-stats';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PUBLISH_WINDOW = 1_000;
const CONSUMER_CONCURRENCY = 64;

/** A subject per round: a new consumer group reads its subject from the start (DeliverPolicy.All). */
const benchMessage = (round: number) =>
  defineMessage({
    kind: 'event',
    aggregate: 'bench',
    name: `pinged_r${round}`,
    version: 1,
    producer: 'external',
    consumers: ['external'],
    summary: 'A bench message.',
    data: Type.Object({ n: Type.Integer(), sentAt: Type.Number(), pad: Type.String() }),
  });
const PAD = 'x'.repeat(64);

interface RunResult {
  msgsPerS: number;
  latenciesMs: number[];
}

/** Publishes `count` messages with at most `window` in flight. */
async function publishWindowed(count: number, publishOne: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: PUBLISH_WINDOW }, async () => {
    while (next < count) await publishOne(next++);
  });
  await Promise.all(lanes);
}

function completion(count: number): { seen: (n: number, sentAt: number) => void; done: Promise<number[]> } {
  const latencies: number[] = [];
  const acked = new Set<number>();
  let resolve!: (l: number[]) => void;
  const done = new Promise<number[]>((r) => (resolve = r));
  return {
    seen(n, sentAt) {
      if (acked.has(n)) return;
      acked.add(n);
      latencies.push(performance.now() - sentAt);
      if (acked.size === count) resolve(latencies);
    },
    done,
  };
}

async function rawRun(nc: NatsConnection, round: number): Promise<RunResult> {
  const jsm = await jetstreamManager(nc);
  const stream = `BENCH_RAW_${round}`;
  await jsm.streams.add({
    name: stream,
    subjects: [`bench.raw.${round}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
  });
  await jsm.consumers.add(stream, {
    durable_name: 'bench-raw',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 10_000,
  });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, 'bench-raw');
  const progress = completion(MESSAGES);
  const started = performance.now();
  const messages = await consumer.consume({ max_messages: 1_000 });
  const consuming = (async () => {
    for await (const m of messages) {
      const body = m.json<{ n: number; sentAt: number }>();
      m.ack();
      progress.seen(body.n, body.sentAt);
    }
  })();
  await publishWindowed(MESSAGES, (n) =>
    js.publish(`bench.raw.${round}.pinged`, JSON.stringify({ n, sentAt: performance.now(), pad: PAD }), {
      msgID: `raw-${round}-${n}`,
    }),
  );
  const latenciesMs = await progress.done;
  const elapsed = performance.now() - started;
  await messages.close();
  await consuming;
  await jsm.streams.delete(stream);
  return { msgsPerS: MESSAGES / (elapsed / 1000), latenciesMs };
}

async function adapterRun(nc: NatsConnection, url: string, round: number): Promise<RunResult> {
  const BenchPingedV1 = benchMessage(round);
  const consumer = `bench-adapter-${round}`;
  // Only warnings and errors: the bench's stdout is its figures.
  const bus = await connectJetStreamBus({
    servers: url,
    source: 'bench',
    log: (level, msg, fields) => {
      if (level === 'warn' || level === 'error') console.error(JSON.stringify({ level, msg, ...fields }));
    },
  });
  const progress = completion(MESSAGES);
  const started = performance.now();
  await bus.subscribe(BenchPingedV1, consumer, async (d) => progress.seen(d.payload.n, d.payload.sentAt), {
    concurrency: CONSUMER_CONCURRENCY,
    prefetch: 1_000,
  });
  await publishWindowed(MESSAGES, (n) =>
    bus.publish(BenchPingedV1, { n, sentAt: performance.now(), pad: PAD }),
  );
  const latenciesMs = await progress.done;
  const elapsed = performance.now() - started;
  await bus.close();
  // Leave AP_EVENTS as it was (it may be a user's NATS_URL): the round's messages and consumer go.
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.delete('AP_EVENTS', consumer);
  await jsm.streams.purge('AP_EVENTS', { filter: BenchPingedV1.subject });
  return { msgsPerS: MESSAGES / (elapsed / 1000), latenciesMs };
}

function summary(runs: RunResult[]): { msgs_per_s: number; p50_ms: number; p99_ms: number } {
  return {
    msgs_per_s: round(median(runs.map((r) => r.msgsPerS)), 0),
    p50_ms: round(median(runs.map((r) => quantile(r.latenciesMs, 0.5)))),
    p99_ms: round(median(runs.map((r) => quantile(r.latenciesMs, 0.99)))),
  };
}

async function main(): Promise<void> {
  const server = process.env.NATS_URL ? undefined : await startNatsServer();
  const url = process.env.NATS_URL ?? (server as NonNullable<typeof server>).url;
  const nc = await connect({ servers: url });
  console.log(
    `bench:bus  ${MESSAGES} messages × ${ROUNDS} rounds, ${PUBLISH_WINDOW} publishes in flight, nats ${url}`,
  );
  const raw: RunResult[] = [];
  const adapter: RunResult[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      raw.push(await rawRun(nc, r));
      adapter.push(await adapterRun(nc, url, r));
      const [a, b] = [raw.at(-1) as RunResult, adapter.at(-1) as RunResult];
      console.log(
        `  round ${r + 1}: raw ${round(a.msgsPerS, 0)} msg/s   adapter ${round(b.msgsPerS, 0)} msg/s`,
      );
    }
  } finally {
    await nc.close();
    await server?.stop();
  }
  const base = summary(raw);
  const ours = summary(adapter);
  const ratio = round(ours.msgs_per_s / base.msgs_per_s);
  console.log(`  raw nats.js      ${base.msgs_per_s} msg/s   p50 ${base.p50_ms} ms   p99 ${base.p99_ms} ms`);
  console.log(`  JetStream bus    ${ours.msgs_per_s} msg/s   p50 ${ours.p50_ms} ms   p99 ${ours.p99_ms} ms`);
  console.log(`  adapter / raw    ${ratio} (target >= 0.7)`);
  console.log(
    benchLine(
      'bus',
      { adapter_msgs_per_s: ours.msgs_per_s, adapter_p50_ms: ours.p50_ms, adapter_p99_ms: ours.p99_ms },
      { raw_msgs_per_s: base.msgs_per_s, raw_p50_ms: base.p50_ms, raw_p99_ms: base.p99_ms },
      { adapter_vs_raw_throughput: ratio },
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
