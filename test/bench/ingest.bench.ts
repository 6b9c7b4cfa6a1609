/**
 * `npm run bench:ingest`: a generated ~500k-word blueprint (the shape of a large real plan: ~19.5k
 * headings, ~9.5k code fences holding fake headings, ~4.75k tables, "Depends on" lines, acceptance
 * criteria) through the same code path as `autopilot plan` (PlanTopology: the ingestion and planner
 * services in the embedded topology, in this process). Prints the first ingest+plan wall time, peak
 * RSS, and the time to re-ingest (submit to `blueprint.ingested`) and to re-ingest and re-plan after
 * one section changed, against the targets (3 s, 300 MB, re-ingest 10% of the first), with a baseline from the same run: marked's `blockTokens` alone on the same text,
 * the one pass any ingestion must make. It never fails on a missed target: it reports.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lexer } from 'marked';
import { PlanTopology } from '@autopilot/cli';
import { readBlueprintSource } from '@autopilot/ingestion';
import { createLogger } from '@autopilot/runtime';
import { largeBlueprint } from '../fixtures/large-blueprint';
import { benchLine, round } from './bench-stats';

const PHASES = Number(process.env.BENCH_PHASES ?? 50);
const TARGET = { wall_s: 3, peak_rss_mb: 300, reingest_ratio: 0.1 };

/** The blueprint text; `edited` changes one story's body in the middle of the text. */
const blueprint = (edited = false): string => largeBlueprint({ phases: PHASES, edited });

/** Where the time went: ingestion (submit to `blueprint.ingested`), then planning. */
function split(elapsed: { ingested: number; planned: number }): string {
  const ingest = elapsed.ingested / 1000;
  return `ingest ${ingest.toFixed(2)} s + plan ${(elapsed.planned / 1000 - ingest).toFixed(2)} s`;
}

/** Peak RSS: sampled every 10 ms, and the kernel's own high-water mark. */
function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  return {
    stop() {
      clearInterval(timer);
      const maxRss = process.resourceUsage().maxRSS * 1024;
      return Math.max(peak, maxRss) / (1024 * 1024);
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ap-bench-ingest-'));
  const file = join(dir, 'platform.md');
  try {
    const text = blueprint();
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
    const lexS = lexMs.sort((a, b) => a - b)[1]! / 1000;
    console.log(`baseline: marked blockTokens alone ${lexS.toFixed(3)} s`);

    const logger = createLogger({
      service: 'bench',
      level: (process.env.LOG_LEVEL as 'warn' | undefined) ?? 'warn',
      destination: process.stderr,
    });
    writeFileSync(file, text);
    global.gc?.();
    const rss = rssSampler();
    const topology = await PlanTopology.start({ dir: join(dir, 'state'), logger });
    let first: number;
    let reingest: number;
    let replan: number;
    let peakMb: number;
    try {
      const t0 = performance.now();
      const planned = await topology.planBlueprint(await readBlueprintSource(file), 'bench');
      first = (performance.now() - t0) / 1000;
      peakMb = rss.stop();
      console.log(
        `first ingest+plan: ${first.toFixed(2)} s (target <= ${TARGET.wall_s} s), peak RSS ${peakMb.toFixed(0)} MB ` +
          `(target <= ${TARGET.peak_rss_mb} MB); ${planned.plan.nodes.length} plan nodes, ${planned.tasks.tasks.length} tasks; ` +
          `${split(planned.elapsedMs)}`,
      );

      writeFileSync(file, blueprint(true));
      const replanned = await topology.planBlueprint(await readBlueprintSource(file), 'bench');
      reingest = replanned.elapsedMs.ingested / 1000;
      replan = replanned.elapsedMs.planned / 1000;
      console.log(
        `after one section changed: re-ingest ${reingest.toFixed(2)} s = ${((100 * reingest) / first).toFixed(0)}% ` +
          `of the first ingest+plan (target <= ${TARGET.reingest_ratio * 100}%); re-ingest+re-plan ` +
          `${replan.toFixed(2)} s = ${((100 * replan) / first).toFixed(0)}%; ` +
          `blueprint v${replanned.blueprint.version}, plan revision ${replanned.plan.revision}; ${split(replanned.elapsedMs)}`,
      );
    } finally {
      await topology.stop();
    }
    console.log(
      benchLine(
        'ingest',
        {
          wall_s: round(first, 3),
          peak_rss_mb: round(peakMb, 0),
          reingest_s: round(reingest, 3),
          replan_s: round(replan, 3),
        },
        { marked_block_lex_s: round(lexS, 3) },
        {
          reingest_vs_first: round(reingest / first, 3),
          replan_vs_first: round(replan / first, 3),
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
