import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planStateDir } from './plan-state-dir';
// The module object itself (not an import-star copy), so that a spy on it is what the code calls.
import fs from 'node:fs/promises';

describe('planStateDir (--dir): one run at a time', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plan-state-dir-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A claim as a running `autopilot plan` leaves it: this test's parent process is alive. */
  const claimedByLiveRun = () =>
    writeFileSync(join(dir, 'plan.claim'), `${JSON.stringify({ pid: process.ppid, since: 'now' })}\n`);

  it('refuses a directory another live run holds, naming its process', async () => {
    claimedByLiveRun();
    await expect(planStateDir(dir)).rejects.toThrow(
      new RegExp(`is taken by another autopilot plan \\(process ${process.ppid}\\)`),
    );
  });

  it('takes over the claim of a run that was killed', async () => {
    const ended = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, 'plan.claim'), `${JSON.stringify({ pid: ended, since: 'then' })}\n`);
    const taken = await planStateDir(dir);
    expect(JSON.parse(await fs.readFile(join(dir, 'plan.claim'), 'utf8'))).toMatchObject({
      pid: process.pid,
    });
    await taken.dispose();
  });

  it('takes a directory whose holder ended between finding its claim and reading it', async () => {
    claimedByLiveRun();
    // The holder releases the claim just as this run reads it: link(2) failed, the read finds nothing.
    const read = fs.readFile;
    jest.spyOn(fs, 'readFile').mockImplementationOnce(async (...args: Parameters<typeof fs.readFile>) => {
      await fs.rm(join(dir, 'plan.claim'));
      return read(...args);
    });
    const taken = await planStateDir(dir);
    expect(JSON.parse(await read(join(dir, 'plan.claim'), 'utf8'))).toMatchObject({ pid: process.pid });
    await taken.dispose();
    await expect(fs.readdir(dir)).resolves.toEqual([]);
  });
});
