/**
 * bench:dispatch — 10,000 no-op tasks in a wide DAG dispatched and completed (issue 14): through the
 * manager and governance with a stub worker, once in-process and once over NATS, and with BullMQ on
 * the local Redis as the baseline, in the same run.
 *
 * Knobs: BENCH_TASKS (default 10000), BENCH_CONCURRENCY (worker slots and max parallel, default 64),
 * BENCH_PATHS (comma list of inprocess, nats, bullmq; default all), BENCH_TIMEOUT_S (per path,
 * default 1800), REDIS_URL.
 */
import * as os from 'node:os';
import { benchLine, quantile, round } from './bench-stats';
import { runBullmqDispatch } from './dispatch-bullmq';
import { runManagerDispatch } from './dispatch-manager';
import { wideDag, type DispatchResult } from './wide-dag';

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const PATHS = new Set((process.env.BENCH_PATHS ?? 'inprocess,nats,bullmq').split(',').map((p) => p.trim()));
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;

interface Figures {
  readonly tasksPerS: number;
  readonly p50: number;
  readonly p99: number;
  /** This process's CPU time per task, ms (bench-side work included; other processes not). */
  readonly cpuMsPerTask: number;
}

function report(label: string, r: DispatchResult): Figures {
  const figures = {
    tasksPerS: r.tasks / r.seconds,
    p50: quantile(r.readyToDispatchedMs, 0.5),
    p99: quantile(r.readyToDispatchedMs, 0.99),
    cpuMsPerTask: r.cpuMs / r.tasks,
  };
  console.log(
    `${label}: ${r.tasks} tasks in ${r.seconds.toFixed(2)} s = ${Math.round(figures.tasksPerS)} tasks/s; ` +
      `ready→dispatched p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms; ` +
      `${figures.cpuMsPerTask.toFixed(2)} ms CPU per task in this process (load average ${loadAverage()})`,
  );
  return figures;
}

/** The 1-minute load average: how busy the machine was, for reading the figures. */
function loadAverage(): string {
  return (os.loadavg()[0] ?? 0).toFixed(1);
}

async function main(): Promise<void> {
  const dag = wideDag(TASKS);
  const progress = (line: string): void => console.log(line);
  const figures: Record<string, number> = {};
  const baseline: Record<string, number> = {};
  const ratio: Record<string, number> = {};
  let bullmq: Figures | undefined;
  if (PATHS.has('bullmq')) {
    bullmq = report(
      `BullMQ on ${REDIS_URL}`,
      await runBullmqDispatch(dag, { redisUrl: REDIS_URL, concurrency: CONCURRENCY }),
    );
    baseline.bullmq_tasks_per_s = round(bullmq.tasksPerS, 0);
    baseline.bullmq_p50_ms = round(bullmq.p50, 1);
    baseline.bullmq_p99_ms = round(bullmq.p99, 1);
    baseline.bullmq_cpu_ms_per_task = round(bullmq.cpuMsPerTask, 3);
  }
  for (const [path, key, label] of [
    ['in-process', 'inprocess', 'manager + governance in-process (SQLite)'],
    ['nats', 'nats', 'manager + governance over NATS (SQLite)'],
  ] as const) {
    if (!PATHS.has(key)) continue;
    const r = report(
      label,
      await runManagerDispatch(dag, { path, concurrency: CONCURRENCY, timeoutMs: TIMEOUT_MS, progress }),
    );
    figures[`${key}_tasks_per_s`] = round(r.tasksPerS, 0);
    figures[`${key}_p50_ms`] = round(r.p50, 1);
    figures[`${key}_p99_ms`] = round(r.p99, 1);
    figures[`${key}_cpu_ms_per_task`] = round(r.cpuMsPerTask, 3);
    if (bullmq) ratio[`${key}_vs_bullmq_throughput`] = round(r.tasksPerS / bullmq.tasksPerS, 3);
  }
  figures.tasks = TASKS;
  figures.concurrency = CONCURRENCY;
  console.log(benchLine('dispatch', figures, baseline, ratio));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
