import type { TestResults } from '@autopilot/contracts';

/** A finished command, as far as counting tests goes. */
export interface CommandOutcome {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly output: string;
}

// Summary lines of common runners, most specific first. Each yields passed/failed/skipped counts.
const SUMMARIES: ReadonlyArray<(text: string) => TestResults | undefined> = [
  // jest / vitest: "Tests:       1 failed, 2 skipped, 4 passed, 7 total" / "Tests  4 passed (4)"
  (t) => {
    const line = /^\s*Tests:?\s+(.*)$/m.exec(t)?.[1];
    if (!line || !/\d+ (passed|failed)/.test(line)) return undefined;
    return {
      passed: num(/(\d+) passed/.exec(line)),
      failed: num(/(\d+) failed/.exec(line)),
      skipped: num(/(\d+) (?:skipped|todo)/.exec(line)),
    };
  },
  // pytest: "==== 2 failed, 10 passed, 1 skipped in 0.12s ===="
  (t) => {
    const line = /^=+ (.*\d+ (?:passed|failed).*) in [\d.]+s/m.exec(t)?.[1];
    if (!line) return undefined;
    return {
      passed: num(/(\d+) passed/.exec(line)),
      failed: num(/(\d+) failed/.exec(line)) + num(/(\d+) errors?/.exec(line)),
      skipped: num(/(\d+) skipped/.exec(line)),
    };
  },
  // node:test / TAP: "# pass 5" "# fail 0"
  (t) => {
    const pass = /^# pass (\d+)/m.exec(t);
    const fail = /^# fail (\d+)/m.exec(t);
    if (!pass && !fail) return undefined;
    return { passed: num(pass), failed: num(fail), skipped: num(/^# skipped (\d+)/m.exec(t)) };
  },
  // mocha: "  5 passing" "  1 failing"
  (t) => {
    const pass = /^\s*(\d+) passing/m.exec(t);
    if (!pass) return undefined;
    return {
      passed: num(pass),
      failed: num(/^\s*(\d+) failing/m.exec(t)),
      skipped: num(/^\s*(\d+) pending/m.exec(t)),
    };
  },
];

function num(m: RegExpExecArray | null): number {
  return m?.[1] ? Number(m[1]) : 0;
}

/**
 * The tests as the run last ran them: the counts a known runner printed, summed over the commands;
 * a command whose output names no counts counts as one test, passed when it exited 0.
 */
export function testResultsOf(commands: readonly CommandOutcome[]): TestResults {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const c of commands) {
    const counted = SUMMARIES.map((read) => read(c.output)).find((r) => r !== undefined);
    if (counted) {
      passed += counted.passed;
      failed += counted.failed;
      skipped += counted.skipped ?? 0;
      if (c.exitCode !== 0 && counted.failed === 0) failed += 1;
    } else if (c.exitCode === 0) passed += 1;
    else failed += 1;
  }
  return skipped > 0 ? { passed, failed, skipped } : { passed, failed };
}
