/**
 * The measured half of `npm run bench:ingest`, in a process of its own (ingest.bench.ts starts it),
 * so that its peak RSS is what `autopilot plan` needs: nothing of the bench's own setup (generating
 * the text, counting its words, the baseline lexes) is in this process's high-water mark.
 *
 * `node ingest-run.js <state dir> <v1 file> <v2 file>`: plans v1 (first ingest + plan), then v2 (the
 * same text with one section changed) with the same services, the way `autopilot plan` does
 * (PlanTopology: ingestion and planner in the embedded topology). Prints one JSON line of figures.
 *
 * `node ingest-run.js --again <state dir> <file>`: plans `file` once more on that state, in this new
 * process: a second `autopilot plan` run after an edit, which holds nothing of the last version in
 * memory (ingestion rebuilds its parse from the store, the planner reads its stored plan and is
 * told the version whole). Prints `AgainFigures`.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlanTopology } from '@autopilot/cli';
import { readBlueprintSource } from '@autopilot/ingestion';
import { createLogger } from '@autopilot/runtime';

/** What the run prints, in seconds and MB. */
export interface IngestRunFigures {
  first_s: number;
  first_ingest_s: number;
  peak_rss_mb: number;
  /** The longest the event loop went without a turn during the first plan (a SIGINT waits that long). */
  longest_stall_s: number;
  /**
   * The V8 heap still in use after the first plan, once collected (null without --expose-gc): what
   * the process holds, the part of peak RSS no tuning of the collector removes.
   */
  live_heap_mb: number | null;
  reingest_s: number;
  replan_s: number;
  nodes: number;
  tasks: number;
  blueprint_version: number;
  plan_revision: number;
}

/** What `--again` prints, in seconds. */
export interface AgainFigures {
  again_s: number;
  again_ingest_s: number;
  again_version: number;
}

/**
 * Peak RSS so far (sampled every 10 ms, and the kernel's own high-water mark, in MB) and the longest
 * gap between two samples (in s): the timer fires only when the event loop turns, so that is the
 * longest the process went without answering anything (a SIGINT, a health probe).
 */
function processSampler(): { stop(): { peakRssMb: number; longestStallS: number } } {
  let peak = process.memoryUsage().rss;
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      longest = Math.max(longest, performance.now() - last);
      const maxRss = process.resourceUsage().maxRSS * 1024;
      return { peakRssMb: Math.max(peak, maxRss) / (1024 * 1024), longestStallS: longest / 1000 };
    },
  };
}

/** Heap in use after a full collection, in MB; null when this process may not collect (no --expose-gc). */
function liveHeapMb(): number | null {
  const { gc } = globalThis as { gc?: () => void };
  if (gc === undefined) return null;
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

const logger = createLogger({
  service: 'bench',
  level: (process.env.LOG_LEVEL as 'warn' | undefined) ?? 'warn',
  destination: process.stderr,
});

/** One path for every version, as a person re-running `autopilot plan` on an edited file. */
const blueprintPath = (stateDir: string): string => join(stateDir, 'platform.md');

async function again(stateDir: string, source: string): Promise<void> {
  const file = blueprintPath(stateDir);
  copyFileSync(source, file);
  const topology = await PlanTopology.start({ dir: join(stateDir, 'state'), logger });
  try {
    const t0 = performance.now();
    const planned = await topology.planBlueprint(await readBlueprintSource(file), 'bench');
    const figures: AgainFigures = {
      again_s: (performance.now() - t0) / 1000,
      again_ingest_s: planned.elapsedMs.ingested / 1000,
      again_version: planned.blueprint.version,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await topology.stop();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--again') {
    const [, stateDir, source] = args;
    if (!stateDir || !source) throw new Error('usage: ingest-run --again <state dir> <file>');
    return again(stateDir, source);
  }
  const [stateDir, v1, v2] = args;
  if (!stateDir || !v1 || !v2) throw new Error('usage: ingest-run <state dir> <v1 file> <v2 file>');
  const file = blueprintPath(stateDir);
  copyFileSync(v1, file);
  const sampler = processSampler();
  const topology = await PlanTopology.start({ dir: join(stateDir, 'state'), logger });
  try {
    const t0 = performance.now();
    const planned = await topology.planBlueprint(await readBlueprintSource(file), 'bench');
    const first = (performance.now() - t0) / 1000;
    const sampled = sampler.stop();
    // Measured once the first plan's figures are taken: the collection is in neither.
    const liveMb = liveHeapMb();

    copyFileSync(v2, file);
    const replanned = await topology.planBlueprint(await readBlueprintSource(file), 'bench');
    const figures: IngestRunFigures = {
      first_s: first,
      first_ingest_s: planned.elapsedMs.ingested / 1000,
      peak_rss_mb: sampled.peakRssMb,
      longest_stall_s: sampled.longestStallS,
      live_heap_mb: liveMb,
      reingest_s: replanned.elapsedMs.ingested / 1000,
      replan_s: replanned.elapsedMs.planned / 1000,
      nodes: planned.plan.nodes.length,
      tasks: planned.tasks.tasks.length,
      blueprint_version: replanned.blueprint.version,
      plan_revision: replanned.plan.revision,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await topology.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
