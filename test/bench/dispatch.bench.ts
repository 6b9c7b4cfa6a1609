/**
 * bench:dispatch — 10,000 no-op tasks in a wide DAG dispatched and completed (issue 14). This first
 * version runs the BullMQ baseline; the manager's paths join it once runs complete end to end.
 */
import { benchLine, quantile, round } from './bench-stats';
import { runBullmqDispatch } from './dispatch-bullmq';
import { wideDag } from './wide-dag';

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);

async function main(): Promise<void> {
  const dag = wideDag(TASKS);
  const bullmq = await runBullmqDispatch(dag, { redisUrl: REDIS_URL, concurrency: CONCURRENCY });
  const throughput = bullmq.tasks / bullmq.seconds;
  console.log(
    `BullMQ on ${REDIS_URL}: ${bullmq.tasks} tasks in ${bullmq.seconds.toFixed(2)} s = ${Math.round(throughput)} tasks/s; ` +
      `ready→dispatched p50 ${quantile(bullmq.readyToDispatchedMs, 0.5).toFixed(1)} ms, p99 ${quantile(bullmq.readyToDispatchedMs, 0.99).toFixed(1)} ms`,
  );
  console.log(
    benchLine(
      'dispatch',
      {},
      {
        bullmq_tasks_per_s: round(throughput, 0),
        bullmq_p50_ms: round(quantile(bullmq.readyToDispatchedMs, 0.5), 1),
        bullmq_p99_ms: round(quantile(bullmq.readyToDispatchedMs, 0.99), 1),
      },
      {},
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
