import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Approval } from '@autopilot/contracts';
import { describeError } from '@autopilot/kernel';
import { startTelemetry } from '@autopilot/telemetry';
import { ExitCode } from '../exit-codes';
import { inert } from '../terminal-text';
import { createDemoRepository } from '../demo/demo-repository';
import { DEMO_MODEL, DEMO_PRICE_TABLE, startDemoModel } from '../demo/demo-model';
import { runStart } from '../start/run-start';
import { isBadInput } from '../start/start-input';
import type { ApprovalAnswer } from '../start/start-job';
import { scheduleOf } from '../start/start-schedule';
import type { DemoFlags, StartFlags } from './start-options';

/** In a terminal, a decision is asked there; elsewhere it waits for a person (exit 3). */
function terminalDecision(say: (line: string) => void): (approval: Approval) => Promise<ApprovalAnswer> {
  return async (approval) => {
    if (!process.stdin.isTTY) return 'wait';
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    // The terminal's Ctrl-C reaches readline, not the process: it stops the start as a signal does,
    // and the question is left waiting.
    const asking = new AbortController();
    rl.on('SIGINT', () => {
      asking.abort();
      process.kill(process.pid, 'SIGINT');
    });
    const ask = (query: string): Promise<string> => rl.question(query, { signal: asking.signal });
    try {
      say(`Approval ${approval.id}: ${inert(approval.action.summary ?? approval.action.kind)}`);
      for (const r of approval.reasons) say(`  because ${inert(r)}`);
      const answer = (await ask('Approve? [y]es / [n]o / [l]eave it waiting: ')).trim().toLowerCase();
      if (answer.startsWith('y')) return { decision: 'approved' };
      if (answer.startsWith('n')) {
        const comment = (await ask('Why (for the record)? ')).trim();
        return { decision: 'rejected', ...(comment ? { comment } : {}) };
      }
      return 'wait';
    } catch (err) {
      if (asking.signal.aborted) return 'wait';
      throw err;
    } finally {
      rl.close();
    }
  };
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * What `autopilot start` does once its flags are parsed (start-command.ts loads this module then):
 * resolves with the exit code.
 */
export function runStartCommand(blueprint: string, flags: StartFlags): Promise<number> {
  return startOrExplain({ blueprint, flags, env: process.env, decide: terminalDecision(say) });
}

/** What `autopilot demo` does once its flags are parsed; sets `process.exitCode`. */
export async function runDemoCommand(flags: DemoFlags): Promise<void> {
  const dir = resolve(flags.dir);
  // A demo starts over: a fresh sample repository and a fresh project beside it.
  await rm(join(dir, 'state'), { recursive: true, force: true });
  const { repo, blueprint } = await createDemoRepository(dir);
  const realModel = process.env.OPENAI_API_KEY !== undefined || process.env.OPENAI_BASE_URL !== undefined;
  const scripted = realModel ? undefined : await startDemoModel();
  try {
    if (scripted)
      say('scripted model: no LLM is called (set OPENAI_API_KEY or OPENAI_BASE_URL to use yours)');
    const env: NodeJS.ProcessEnv = scripted
      ? {
          ...process.env,
          AUTOPILOT_WORKER_MODEL: DEMO_MODEL,
          OPENAI_BASE_URL: scripted.baseURL,
          OPENAI_API_KEY: 'scripted',
          AUTOPILOT_PRICE_TABLE: DEMO_PRICE_TABLE,
        }
      : process.env;
    const interactive = process.stdin.isTTY === true;
    const decide = interactive
      ? terminalDecision(say)
      : (approval: Approval): Promise<ApprovalAnswer> => {
          say(
            `approval ${approval.id} (${inert(approval.action.summary ?? approval.action.kind)}; ${inert(approval.reasons.join('; '))}): no terminal to ask, so the demo approves it on your behalf`,
          );
          return Promise.resolve({
            decision: 'approved',
            comment: 'approved by autopilot demo (no terminal)',
          });
        };
    process.exitCode = await startOrExplain({
      blueprint,
      flags: {
        repo,
        autonomy: 'full_auto',
        runBudget: 1,
        dailyBudget: 5,
        weeklyBudget: 20,
        maxParallel: 2,
        dir: join(dir, 'state'),
        yes: true,
        ...(flags.json ? { json: true } : {}),
      },
      env,
      decide,
    });
  } finally {
    await scripted?.close();
  }
}

async function startOrExplain(opts: {
  blueprint: string;
  flags: StartFlags;
  env: NodeJS.ProcessEnv;
  decide: (approval: Approval) => Promise<ApprovalAnswer>;
}): Promise<number> {
  const { flags } = opts;
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Each run's trace (its steps, model calls with tokens and cost) goes to OTEL_EXPORTER_OTLP_ENDPOINT when set.
  const telemetry = startTelemetry({ serviceName: 'autopilot' });
  try {
    const schedule = scheduleOf(flags.schedule, flags.tz);
    return await runStart({
      blueprint: opts.blueprint,
      repo: flags.repo,
      dir: flags.dir,
      autonomyMode: flags.autonomy,
      budgets: { runUsd: flags.runBudget, dailyUsd: flags.dailyBudget, weeklyUsd: flags.weeklyBudget },
      maxParallel: flags.maxParallel,
      ...(schedule ? { schedule } : {}),
      env: opts.env,
      json: flags.json === true,
      yes: flags.yes === true,
      decide: opts.decide,
      out: process.stdout,
      signal: abort.signal,
    });
  } catch (err) {
    if (isBadInput(err)) {
      process.stderr.write(`autopilot start: ${inert((err as Error).message)}\n`);
      return ExitCode.usage;
    }
    process.stderr.write(`autopilot start failed: ${inert(describeError(err))}\n`);
    return ExitCode.failed;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await telemetry.shutdown();
  }
}
