import { expect } from '@jest/globals';
import { type CliProcess, getJson } from './cli-process';

// `autopilot service <name>` processes in tests: ready, explained when they fail, stopped.

/** Waits until a service process logs that it is ready and its `/readyz` answers 200. */
export async function waitUntilReady(cli: CliProcess, name: string): Promise<void> {
  const port = await cli.port();
  await cli.waitFor(new RegExp(`^service ${name} ready on `), 30_000);
  expect(await getJson(port, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
}

/** What a process said that may explain a failure: its stderr and its warn/error/fatal log lines. */
export function diagnostics(name: string, cli: CliProcess): string {
  const loud = cli.lines.filter((l) => l.level === 'warn' || l.level === 'error' || l.level === 'fatal');
  const exit = cli.child.exitCode ?? cli.child.signalCode;
  return [
    `--- ${name} (pid ${cli.child.pid}${exit === null ? ', running' : `, exited ${exit}`})`,
    `stderr: ${cli.stderr.trim() || '(empty)'}`,
    ...loud.slice(-20).map((l) => JSON.stringify(l).slice(0, 2000)),
  ].join('\n');
}

/** Runs `scenario`; a failure is rethrown with `explain()` (what the processes said) appended. */
export async function explainingFailure(scenario: () => Promise<void>, explain: () => string): Promise<void> {
  try {
    await scenario();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n\n${explain()}`, { cause: err });
  }
}

/** SIGTERM, then the exit; a process that does not exit within the shutdown timeout is killed. */
export async function stopProcess(
  cli: CliProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null) return cli.exited;
  cli.child.kill('SIGTERM');
  const timer = setTimeout(() => cli.kill(), 15_000);
  try {
    return await cli.exited;
  } finally {
    clearTimeout(timer);
  }
}
