/**
 * `npm run bench:ingest`: a generated ~500k-word blueprint (the shape of a large real plan: ~19.5k
 * headings, ~9.5k code fences holding fake headings, ~4.75k tables, "Depends on" lines, acceptance
 * criteria) through the same code path as `autopilot plan` (PlanTopology: the ingestion and planner
 * services in the embedded topology), in a process of its own (ingest-run.ts), so its peak RSS is the
 * pipeline's and not this process's setup. Prints the first ingest+plan wall time, peak RSS, and the
 * time to re-ingest (submit to `blueprint.ingested`) and to re-ingest and re-plan after one section
 * changed, against the targets (3 s, 300 MB, re-plan 10% of the first), with a baseline from the
 * same machine: marked's `blockTokens` alone on the same text, the one pass any ingestion must make.
 * BENCH_RUNS (default 1) runs the pipeline that many times and reports the median of each figure.
 * It never fails on a missed target: it reports.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lexer } from 'marked';
import { largeBlueprint } from '../fixtures/large-blueprint';
import { benchLine, median, round } from './bench-stats';
import type { AgainFigures, IngestRunFigures } from './ingest-run';

const PHASES = Number(process.env.BENCH_PHASES ?? 50);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const TARGET = { wall_s: 3, peak_rss_mb: 300, replan_ratio: 0.1 };

/** Runs ingest-run.js in a new process with `args`; its last line of output, parsed. */
function ingestRun<F>(args: readonly string[]): F {
  // --expose-gc: ingest-run measures the heap left in use after the first plan (live_heap_mb).
  const out = execFileSync(process.execPath, ['--expose-gc', join(__dirname, 'ingest-run.js'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as F;
}

type RunFigures = IngestRunFigures & AgainFigures;

/**
 * One run on a state directory of its own: v1 then v2 in one process (ingest-run.ts), then v1's text
 * again as version 3 in a new process, as a second `autopilot plan` after undoing the edit.
 */
function runPipeline(dir: string, v1: string, v2: string, run: number): RunFigures {
  const stateDir = join(dir, `run-${run}`);
  mkdirSync(stateDir);
  const figures = ingestRun<IngestRunFigures>([stateDir, v1, v2]);
  return { ...figures, ...ingestRun<AgainFigures>(['--again', stateDir, v1]) };
}

/** The figures every run has (live_heap_mb needs --expose-gc, which the bench always passes). */
type Measured = { [K in keyof RunFigures]: RunFigures[K] extends number ? K : never }[keyof RunFigures];

/** The median of one figure over the runs. */
const mid = (runs: readonly RunFigures[], key: Measured): number => median(runs.map((r) => r[key]));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ap-bench-ingest-'));
  try {
    const text = largeBlueprint({ phases: PHASES });
    const headings = (text.match(/^#{1,6} /gm) ?? []).length - (text.match(/^# Story/gm) ?? []).length;
    const fences = (text.match(/^```bash$/gm) ?? []).length;
    const tables = (text.match(/^\| --- /gm) ?? []).length;
    const words = text.split(/\s+/).filter(Boolean).length;
    console.log(
      `blueprint: ${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB, ${words} words, ${headings} headings ` +
        `(+${fences} fake ones in ${fences} code fences), ${tables} tables`,
    );

    // Baseline: marked's block lexer alone on the same text (median of 3), the floor of any parse.
    const lexMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      new Lexer().blockTokens(text, []);
      lexMs.push(performance.now() - t);
    }
    const lexS = median(lexMs) / 1000;
    console.log(`baseline: marked blockTokens alone ${lexS.toFixed(3)} s`);

    const v1 = join(dir, 'v1.md');
    const v2 = join(dir, 'v2.md');
    writeFileSync(v1, text);
    writeFileSync(v2, largeBlueprint({ phases: PHASES, edited: true }));
    const runs: RunFigures[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const r = runPipeline(dir, v1, v2, run);
      runs.push(r);
      console.log(
        `run ${run}: first ${r.first_s.toFixed(2)} s (ingest ${r.first_ingest_s.toFixed(2)} s), ` +
          `peak RSS ${r.peak_rss_mb.toFixed(0)} MB (live heap after ${(r.live_heap_mb ?? 0).toFixed(0)} MB), ` +
          `longest stall ${r.longest_stall_s.toFixed(2)} s, ` +
          `re-ingest ${r.reingest_s.toFixed(2)} s, ` +
          `re-ingest+re-plan ${r.replan_s.toFixed(2)} s; in a new process ${r.again_s.toFixed(2)} s`,
      );
    }
    const first = mid(runs, 'first_s');
    const firstIngest = mid(runs, 'first_ingest_s');
    const peakMb = mid(runs, 'peak_rss_mb');
    const stall = mid(runs, 'longest_stall_s');
    const liveMb = median(runs.map((r) => r.live_heap_mb ?? 0));
    const reingest = mid(runs, 'reingest_s');
    const replan = mid(runs, 'replan_s');
    const againS = mid(runs, 'again_s');
    const againIngest = mid(runs, 'again_ingest_s');
    const last = runs.at(-1) as RunFigures;
    const of = RUNS > 1 ? ` (median of ${RUNS} runs)` : '';
    console.log(
      `first ingest+plan${of}: ${first.toFixed(2)} s (target <= ${TARGET.wall_s} s), peak RSS ${peakMb.toFixed(0)} MB ` +
        `(target <= ${TARGET.peak_rss_mb} MB; ${liveMb.toFixed(0)} MB of heap still in use after it, collected); ` +
        `${last.nodes} plan nodes, ${last.tasks} tasks; ` +
        `ingest ${firstIngest.toFixed(2)} s + plan ${(first - firstIngest).toFixed(2)} s; the event loop's ` +
        `longest stall ${stall.toFixed(2)} s (how long a SIGINT or a health probe waits at most)`,
    );
    console.log(
      `after one section changed${of}: re-ingest ${reingest.toFixed(2)} s = ${((100 * reingest) / first).toFixed(0)}% ` +
        `of the first ingest+plan; re-ingest+re-plan ${replan.toFixed(2)} s = ${((100 * replan) / first).toFixed(0)}% ` +
        `(target <= ${TARGET.replan_ratio * 100}%); blueprint v${last.blueprint_version}, plan revision ` +
        `${last.plan_revision}; ingest ${reingest.toFixed(2)} s + plan ${(replan - reingest).toFixed(2)} s`,
    );
    // The target is for the services that planned the last version (`autopilot start`, a long-lived
    // process); a second `autopilot plan` run starts with nothing in memory, and is shown beside it.
    console.log(
      `the same in a new process${of} (a second \`autopilot plan\`, version ${last.again_version}): ` +
        `${againS.toFixed(2)} s = ${((100 * againS) / first).toFixed(0)}% of the first; ingest ` +
        `${againIngest.toFixed(2)} s + plan ${(againS - againIngest).toFixed(2)} s`,
    );
    console.log(
      benchLine(
        'ingest',
        {
          wall_s: round(first, 3),
          peak_rss_mb: round(peakMb, 0),
          live_heap_mb: round(liveMb, 0),
          longest_stall_s: round(stall, 3),
          reingest_s: round(reingest, 3),
          replan_s: round(replan, 3),
          replan_new_process_s: round(againS, 3),
        },
        { marked_block_lex_s: round(lexS, 3) },
        {
          reingest_vs_first: round(reingest / first, 3),
          replan_vs_first: round(replan / first, 3),
          replan_new_process_vs_first: round(againS / first, 3),
          wall_vs_marked_lex: round(first / lexS, 1),
        },
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
