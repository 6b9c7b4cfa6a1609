import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, cliEnv, ensureBuilt, repoRoot } from './cli-process';

/**
 * `autopilot plan` (the built bin, never npx) on a blueprint whose plan is larger than a message may
 * be (AUTOPILOT_MAX_MESSAGE_BYTES): the planner rejects it, and the command says so and exits 2 at
 * once. Before, the plan was committed and published, every consumer dead-lettered it unread, and
 * the command waited for its deadline without a word.
 */

const MiB = 1024 * 1024;

/**
 * Checklists of short items: one task each, so its plan is more than 1 MiB (~3,000 tasks, ~2 MB of
 * tasks.generated) while the blueprint itself, and so blueprint.ingested, is ~100 kB.
 */
function denseBlueprint(): string {
  const lines = ['# Shop', ''];
  for (let phase = 1; phase <= 60; phase++) {
    lines.push(`## Phase ${phase}: Area ${phase}`, '');
    for (let item = 1; item <= 50; item++) lines.push(`- [ ] Add control ${item} to area ${phase}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Runs `autopilot plan` to its exit, with `env` over an environment cleared of the CLI's settings. */
function runPlan(
  args: string[],
  env: Record<string, string>,
): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, 'plan', ...args], {
    cwd: repoRoot,
    env: cliEnv(env),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * MiB,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('autopilot plan, a plan larger than AUTOPILOT_MAX_MESSAGE_BYTES', () => {
  let dir: string;
  let blueprint: string;

  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'autopilot-plan-too-large-'));
    blueprint = join(dir, 'shop.md');
    writeFileSync(blueprint, denseBlueprint());
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 at once, saying how large the plan is, the limit, and what to do', () => {
    // The smallest limit there is (1 MiB): a deadline well past what planning takes, so a plan
    // lost in silence would exit 1 on the deadline, not 2.
    const r = runPlan([blueprint, '--json', '--timeout', '100'], {
      AUTOPILOT_MAX_MESSAGE_BYTES: String(MiB),
    });
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      new RegExp(
        `^autopilot plan: ${blueprint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot plan: ` +
          String.raw`the (plan|task graph) of this blueprint \((plan|tasks)\.generated\) is \d+\.\d MiB, ` +
          String.raw`past the 1 MiB a message may be \(AUTOPILOT_MAX_MESSAGE_BYTES\); split the blueprint into smaller blueprints`,
        'm',
      ),
    );
    expect(r.code).toBe(2);
  }, 120_000);

  it('plans it under the default limit', () => {
    const r = runPlan([blueprint, '--json', '--timeout', '100'], {});
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { tasks: unknown[] }).tasks.length).toBeGreaterThan(1000);
  }, 120_000);

  it('refuses an AUTOPILOT_MAX_MESSAGE_BYTES below 1 MiB before starting anything (exit 2)', () => {
    const r = runPlan([blueprint], { AUTOPILOT_MAX_MESSAGE_BYTES: '65536' });
    expect(r.err).toContain('invalid configuration: AUTOPILOT_MAX_MESSAGE_BYTES');
    expect(r.code).toBe(2);
  });
});
