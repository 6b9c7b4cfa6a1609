import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PlanFailedError } from './plan-failure';

/** Where one `autopilot plan` run keeps its two stores, and whether to remove them afterwards. */
export interface PlanStateDir {
  path: string;
  dispose(): Promise<void>;
}

const STORE_FILES = ['ingestion.db', 'planner.db'];

/**
 * `--dir`: kept afterwards for inspection, and must not hold stores of an earlier run: each run plans
 * from empty stores, so what it prints depends on its input alone (an earlier identical run would
 * leave the planner nothing new to announce). Without `--dir`: a fresh temporary directory, removed.
 */
export async function planStateDir(dir: string | undefined): Promise<PlanStateDir> {
  if (dir === undefined) {
    const path = await mkdtemp(join(tmpdir(), 'autopilot-plan-'));
    return { path, dispose: () => rm(path, { recursive: true, force: true }) };
  }
  const path = resolve(dir);
  const taken = STORE_FILES.filter((f) => existsSync(join(path, f)));
  if (taken.length > 0) {
    throw new PlanFailedError(
      'PLAN_DIR_NOT_EMPTY',
      `--dir ${dir} already holds ${taken.join(' and ')} from an earlier run; give a new or empty directory`,
      true,
    );
  }
  await mkdir(path, { recursive: true });
  await claim(path, dir);
  return { path, dispose: async () => undefined };
}

/** Names the run that took a `--dir`; created exclusively, so of two runs started together one wins. */
const CLAIM_FILE = 'plan.claim';

/**
 * Takes `path` for this run, atomically: a second `autopilot plan` on the same `--dir` at the same
 * moment fails at once naming the winner, instead of both racing for the stores. The claim is
 * written whole to a file of this process and then hard-linked to its name (link(2) fails when the
 * name exists), so a loser never reads a claim the winner has created but not yet written.
 */
async function claim(path: string, dir: string): Promise<void> {
  const file = join(path, CLAIM_FILE);
  const mine = join(path, `${CLAIM_FILE}.${process.pid}`);
  await writeFile(mine, `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() })}\n`);
  try {
    await link(mine, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = await readFile(file, 'utf8').catch(() => '');
    const pid = /"pid":(\d+)/.exec(holder)?.[1];
    throw new PlanFailedError(
      'PLAN_DIR_IN_USE',
      `--dir ${dir} is taken by another autopilot plan${pid ? ` (process ${pid})` : ''}; give a new or empty directory`,
      true,
    );
  } finally {
    await rm(mine, { force: true });
  }
}
