import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { cpuMsSince, dependencyCounters, type DagTask, type DispatchResult } from './wide-dag';

/**
 * The baseline of bench:dispatch: the job queue a Node user would otherwise pick. BullMQ on the
 * local Redis does the same dispatch-and-complete work as Autopilot's manager: a task is added to
 * the queue when its last dependency completed, a worker with `concurrency` slots runs it (a no-op)
 * and completes it, and its dependants are released. Redis persists every job as our store does.
 */
export async function runBullmqDispatch(
  dag: readonly DagTask[],
  opts: { redisUrl: string; concurrency: number },
): Promise<DispatchResult> {
  const queueName = `bench-dispatch-${process.pid}-${Date.now()}`;
  // BullMQ requires maxRetriesPerRequest: null (PLATFORM.md): blocking commands must not give up.
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection });
  const { dependants, remaining } = dependencyCounters(dag);
  const readyAt = new Map<string, number>();
  const latencies: number[] = [];
  let completed = 0;
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });

  const release = (ids: readonly string[]): Promise<unknown> => {
    const now = performance.now();
    for (const id of ids) readyAt.set(id, now);
    return queue.addBulk(
      ids.map((id) => ({ name: 'task', data: { id }, opts: { jobId: id, removeOnComplete: true } })),
    );
  };

  const worker = new Worker(
    queueName,
    async (job) => {
      const id = (job.data as { id: string }).id;
      latencies.push(performance.now() - (readyAt.get(id) ?? performance.now()));
    },
    { connection: workerConnection, concurrency: opts.concurrency },
  );
  worker.on('completed', (job) => {
    const id = (job.data as { id: string }).id;
    completed += 1;
    const next: string[] = [];
    for (const dependant of dependants.get(id) ?? []) {
      const left = (remaining.get(dependant) ?? 0) - 1;
      remaining.set(dependant, left);
      if (left === 0) next.push(dependant);
    }
    if (next.length > 0) release(next).catch(fail);
    if (completed === dag.length) finish();
  });
  worker.on('failed', (_job, err) => fail(err));

  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    await release(dag.filter((t) => t.dependsOn.length === 0).map((t) => t.id));
    await done;
    return {
      tasks: dag.length,
      seconds: (performance.now() - started) / 1000,
      readyToDispatchedMs: latencies,
      cpuMs: cpuMsSince(cpu),
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    // BullMQ closes only connections it made itself.
    connection.disconnect();
    workerConnection.disconnect();
  }
}
