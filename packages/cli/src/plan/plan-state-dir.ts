import { link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PlanFailedError } from './plan-failure';

/** Where one `autopilot plan` run keeps its two stores, and whether to remove them afterwards. */
export interface PlanStateDir {
  path: string;
  dispose(): Promise<void>;
}

/**
 * `--dir`: kept afterwards, and a later run on it re-plans (issue 17 item 8): ingestion stores the
 * changed blueprint as its next version and the planner makes the next plan revision from the
 * stored one, keeping the ids of unchanged nodes and tasks. One run at a time: the directory is
 * claimed for the run and released when it ends (a claim whose process is gone is taken over).
 * Without `--dir`: a fresh temporary directory, removed.
 */
export async function planStateDir(dir: string | undefined): Promise<PlanStateDir> {
  if (dir === undefined) {
    const path = await mkdtemp(join(tmpdir(), 'autopilot-plan-'));
    return { path, dispose: () => rm(path, { recursive: true, force: true }) };
  }
  const path = resolve(dir);
  await mkdir(path, { recursive: true });
  await claim(path, dir);
  return { path, dispose: () => rm(join(path, CLAIM_FILE), { force: true }) };
}

/** True while the process that wrote a claim still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Names the run that took a `--dir`; created exclusively, so of two runs started together one wins. */
const CLAIM_FILE = 'plan.claim';
/** Tries at a claim that was released or abandoned while this run looked at it. */
const CLAIM_ATTEMPTS = 3;

/**
 * Takes `path` for this run, atomically: a second `autopilot plan` on the same `--dir` at the same
 * moment fails at once naming the winner, instead of both racing for the stores. The claim is
 * written whole to a file of this process and then hard-linked to its name (link(2) fails when the
 * name exists), so a loser never reads a claim the winner has created but not yet written.
 */
async function claim(path: string, dir: string, attempt = 1): Promise<void> {
  const file = join(path, CLAIM_FILE);
  const mine = join(path, `${CLAIM_FILE}.${process.pid}`);
  await writeFile(mine, `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() })}\n`);
  try {
    await link(mine, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = await readFile(file, 'utf8').catch((readErr: NodeJS.ErrnoException) => {
      if (readErr.code === 'ENOENT') return undefined;
      throw readErr;
    });
    // The run that held it ended between our link(2) and this read: the directory is free now.
    // Tried again through link(2), so a third run starting at that moment still races fairly.
    const again = attempt < CLAIM_ATTEMPTS;
    // Awaited here: `finally` below removes this attempt's file, which the next attempt writes again.
    if (holder === undefined && again) return await claim(path, dir, attempt + 1);
    const pid = /"pid":(\d+)/.exec(holder ?? '')?.[1];
    // A run that was killed left its claim: the directory is free. Taken over through link(2) again,
    // so two runs finding the same stale claim still race and one of them loses.
    if (again && pid !== undefined && !alive(Number(pid)) && pid !== String(process.pid)) {
      await rm(mine, { force: true });
      await rm(file, { force: true });
      return await claim(path, dir, attempt + 1);
    }
    throw new PlanFailedError(
      'PLAN_DIR_IN_USE',
      `--dir ${dir} is taken by another autopilot plan${pid ? ` (process ${pid})` : ''}; give a new or empty directory`,
      true,
    );
  } finally {
    await rm(mine, { force: true });
  }
}
