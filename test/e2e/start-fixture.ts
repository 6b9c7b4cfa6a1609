import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startScriptedModel,
  type ScriptedAnswer,
  type ScriptedModel,
  type ScriptedModelCall,
} from '@autopilot/testing';
import { bin, cliEnv, ensureBuilt } from './cli-process';
import { gitIn, gitRepository } from './worker-cluster';

/**
 * `autopilot start` end to end (issue 16, end to end 2–4): a small real git repository built here
 * (`calc`, tests run with `node --test`, nothing to install), a blueprint of tasks with a
 * dependency, a scripted OpenAI-compatible model answering each run from its task's solution, and
 * the bin run as a person runs it (no terminal, `--yes --json`). The model server lives in the
 * test's process, so the CLI is always spawned asynchronously.
 */

/** One tool call of a scripted solution (the worker's tool contract, v1). */
export interface FixtureToolCall {
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/** A task of the blueprint with the tool calls that solve it. */
export interface FixtureTask {
  /** The `## Phase N: <title>` heading; the scripted model finds the task by it in the prompt. */
  readonly title: string;
  /** Titles of the tasks this one depends on (a `Depends on:` line). */
  readonly dependsOn?: readonly string[];
  /** The section's text (what to do, the files named, acceptance criteria). */
  readonly body: string;
  readonly calls: readonly FixtureToolCall[];
}

/** The model name the price table and the worker use; the scripted server answers for any. */
export const FIXTURE_MODEL = 'scripted-start';
/** A key the tests can look for wherever it must not be. */
export const FIXTURE_API_KEY = 'sk-test-START-FIXTURE-3e8a61';
/** Priced high enough that every run costs a visible amount (a scripted call is ~1–2k tokens). */
export const FIXTURE_PRICE_TABLE = JSON.stringify({
  [FIXTURE_MODEL]: { inputUsdPerMillion: 2, cachedInputUsdPerMillion: 0.5, outputUsdPerMillion: 8 },
});

export const CALC_REPOSITORY_FILES: Readonly<Record<string, string>> = {
  'package.json': `${JSON.stringify(
    { name: 'calc', version: '1.0.0', private: true, scripts: { test: 'node --test' } },
    null,
    2,
  )}\n`,
  'README.md': '# calc\n\nA small arithmetic library. `npm test` runs its tests (Node alone).\n',
  '.gitignore': 'node_modules/\n',
  'src/calc.js': "'use strict';\n\nconst add = (a, b) => a + b;\n\nmodule.exports = { add };\n",
  'test/calc.test.js': `'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { add } = require('../src/calc');

test('adds', () => assert.equal(add(2, 3), 5));
`,
};

const RUN_TESTS: FixtureToolCall = { tool: 'run_command', args: { argv: ['npm', 'test'] } };
const finish = (summary: string): FixtureToolCall => ({ tool: 'finish', args: { summary, confidence: 0.9 } });
const nodeTest = (name: string, requires: string, body: string): string => `'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const ${requires};

test('${name}', () => {
${body}
});
`;

/**
 * Three tasks: Multiplication builds on Subtraction's branch (its `str_replace` only matches once
 * Subtraction's change is there); Division names no dependency and only adds files, so it succeeds
 * whether the planner orders it after the phases before it or runs it beside them.
 */
export const CALC_TASKS: readonly FixtureTask[] = [
  {
    title: 'Subtraction',
    body: 'Add `subtract(a, b)` to `src/calc.js`.\n\nAcceptance criteria:\n- `npm test` passes, with a test in `test/subtract.test.js`.',
    calls: [
      {
        tool: 'str_replace',
        args: {
          path: 'src/calc.js',
          old_str: 'module.exports = { add };',
          new_str: 'const subtract = (a, b) => a - b;\n\nmodule.exports = { add, subtract };',
        },
      },
      {
        tool: 'create_file',
        args: {
          path: 'test/subtract.test.js',
          content: nodeTest(
            'subtracts',
            "{ subtract } = require('../src/calc')",
            '  assert.equal(subtract(5, 3), 2);',
          ),
        },
      },
      RUN_TESTS,
      finish('subtract(a, b) added to src/calc.js, with a test.'),
    ],
  },
  {
    title: 'Multiplication',
    dependsOn: ['Subtraction'],
    body: 'Add `multiply(a, b)` to `src/calc.js`, beside `subtract`.\n\nAcceptance criteria:\n- `npm test` passes, with a test in `test/multiply.test.js`.',
    calls: [
      {
        tool: 'str_replace',
        args: {
          path: 'src/calc.js',
          old_str: 'module.exports = { add, subtract };',
          new_str: 'const multiply = (a, b) => a * b;\n\nmodule.exports = { add, subtract, multiply };',
        },
      },
      {
        tool: 'create_file',
        args: {
          path: 'test/multiply.test.js',
          content: nodeTest(
            'multiplies',
            "{ multiply } = require('../src/calc')",
            '  assert.equal(multiply(4, 3), 12);',
          ),
        },
      },
      RUN_TESTS,
      finish('multiply(a, b) added to src/calc.js, with a test.'),
    ],
  },
  {
    title: 'Division',
    body: 'Add `src/divide.js` exporting `divide(a, b)`; dividing by zero throws a `RangeError`.\n\nAcceptance criteria:\n- `npm test` passes, with a test in `test/divide.test.js`.',
    calls: [
      {
        tool: 'create_file',
        args: {
          path: 'src/divide.js',
          content:
            "'use strict';\n\nfunction divide(a, b) {\n  if (b === 0) throw new RangeError('division by zero');\n  return a / b;\n}\n\nmodule.exports = { divide };\n",
        },
      },
      {
        tool: 'create_file',
        args: {
          path: 'test/divide.test.js',
          content: nodeTest(
            'divides, and refuses zero',
            "{ divide } = require('../src/divide')",
            '  assert.equal(divide(12, 4), 3);\n  assert.throws(() => divide(1, 0), RangeError);',
          ),
        },
      },
      RUN_TESTS,
      finish('divide(a, b) in src/divide.js refuses zero, with a test.'),
    ],
  },
];

/** The blueprint of `tasks`: one `## Phase N: <title>` section each, dependencies as `Depends on:` lines. */
export function blueprintOf(
  tasks: readonly FixtureTask[],
  intro = 'Grow the calculator, one tested function at a time.',
): string {
  const phase = new Map(tasks.map((t, i) => [t.title, `Phase ${i + 1}`]));
  const sections = tasks.map((t) => {
    const deps = (t.dependsOn ?? []).map((d) => {
      const p = phase.get(d);
      if (!p) throw new Error(`task ${t.title} depends on ${d}, which is not in the blueprint`);
      return p;
    });
    return [
      `## ${phase.get(t.title)}: ${t.title}`,
      ...(deps.length ? ['', `Depends on: ${deps.join(', ')}`] : []),
      '',
      t.body,
    ].join('\n');
  });
  return `# calc: a small arithmetic library\n\n${intro}\n\n${sections.join('\n\n')}\n`;
}

/**
 * The scripted model's answer for a run: the task is found by its title in the prompt's own task
 * heading (`# Task <id>: <title>`; other tasks' titles appear below it as dependencies), the next
 * tool call by how many the conversation already holds, so a run resumed from its checkpoint
 * continues where it stopped.
 */
export function solutionAnswer(tasks: readonly FixtureTask[]): (call: ScriptedModelCall) => ScriptedAnswer {
  return (call) => {
    const prompt = call.body.messages
      .filter((m) => m.role === 'system' || m.role === 'user')
      .map((m) => m.content)
      .join('\n');
    const heading = /^# Task [^:\n]+: (.*)$/m.exec(prompt)?.[1];
    const task = heading === undefined ? undefined : tasks.find((t) => heading.includes(t.title));
    if (!task) return { text: `scripted model: no scripted solution for ${heading ?? 'this prompt'}` };
    const made = call.body.messages.filter(
      (m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0,
    ).length;
    const next = task.calls[Math.min(made, task.calls.length - 1)]!;
    return { toolCalls: [{ name: next.tool, arguments: { ...next.args } }] };
  };
}

/** How a finished `autopilot start` ended. */
export interface StartResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The `--json` report (the last stdout line that is a JSON report), when one was printed. */
  readonly report?: StartReportJson;
}

/** The fields of `autopilot start --json`'s report the tests read (packages/cli/src/start/start-report.ts). */
export interface StartReportJson {
  readonly projectId: string;
  readonly baseCommit?: string;
  readonly completed: readonly {
    taskId: string;
    title: string;
    branch: string;
    costUsd: number;
    tests?: { passed: number; failed: number };
  }[];
  readonly waiting: readonly { approvalId: string; taskId?: string; action: string; reasons: string[] }[];
  readonly failed: readonly { taskId: string; title: string; reason: string }[];
  readonly unfinished: readonly { taskId: string; title: string; status: string }[];
  readonly spend: readonly { budget: 'run' | 'daily' | 'weekly'; spentUsd: number; capUsd: number }[];
  readonly stoppedBy?: string;
  readonly mergeOrder: readonly unknown[];
}

/** A running `autopilot start`: its process and what it has written so far. */
export interface StartChild {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when the process ended, with everything it wrote. */
  readonly exited: Promise<StartResult>;
}

export interface StartFixture {
  /** The temp directory holding everything below; removed by `close()`. */
  readonly root: string;
  /** The git repository (`main`, one commit). */
  readonly repo: string;
  /** `main`'s commit before any start. */
  readonly mainCommit: string;
  /** The blueprint file. */
  readonly blueprint: string;
  /** The default `--dir` (the project kept between starts). */
  readonly dir: string;
  readonly tasks: readonly FixtureTask[];
  readonly model: ScriptedModel;
  /** The child's environment beyond `cliEnv()`: model, key, base URL, price table. */
  readonly env: Readonly<Record<string, string>>;
  /** The argv after the bin: `start <blueprint> --repo <repo> --dir <dir> --yes --json ...extra`. */
  args(extra?: readonly string[]): string[];
  /** Spawns `autopilot start` (stopped by `close()` if still running). */
  spawnStart(opts?: StartOptions): StartChild;
  /** Runs `autopilot start` to its end (killed after `timeoutMs`, default 120 s, which fails the test). */
  runStart(opts?: StartOptions): Promise<StartResult>;
  /** SIGKILLs every start still running, closes the model server and removes `root`. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Flags after the fixed ones, e.g. `['--run-budget', '0.001']`. */
  readonly args?: readonly string[];
  /** More environment for the child (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** The `--json` report among stdout's lines: the last line that parses as an object with `completed` and `spend`. */
export function reportOf(stdout: string): StartReportJson | undefined {
  for (const line of stdout.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as Partial<StartReportJson>;
      if (Array.isArray(value.completed) && Array.isArray(value.spend)) return value as StartReportJson;
    } catch {
      // a line that only looks like JSON: not the report
    }
  }
  return undefined;
}

/**
 * Builds the repository and the blueprint in a fresh temp dir and starts the scripted model; the
 * CLI is built first if its dist is stale. `close()` it in afterEach/afterAll.
 */
export async function startFixture(opts: { tasks?: readonly FixtureTask[] } = {}): Promise<StartFixture> {
  ensureBuilt();
  const tasks = opts.tasks ?? CALC_TASKS;
  const root = mkdtempSync(join(tmpdir(), 'ap-start-'));
  const repo = gitRepository(root, CALC_REPOSITORY_FILES);
  const blueprint = join(root, 'calc-plan.md');
  writeFileSync(blueprint, blueprintOf(tasks));
  const dir = join(root, 'autopilot-state');
  let model: ScriptedModel;
  try {
    model = await startScriptedModel({ fallback: solutionAnswer(tasks) });
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const env = {
    AUTOPILOT_WORKER_MODEL: FIXTURE_MODEL,
    OPENAI_BASE_URL: model.baseURL,
    OPENAI_API_KEY: FIXTURE_API_KEY,
    AUTOPILOT_PRICE_TABLE: FIXTURE_PRICE_TABLE,
  };
  const running = new Set<ChildProcess>();
  const args = (extra: readonly string[] = []): string[] => [
    'start',
    blueprint,
    '--repo',
    repo,
    '--dir',
    dir,
    '--yes',
    '--json',
    ...extra,
  ];
  const spawnStart = (o: StartOptions = {}): StartChild => {
    const child = spawn(process.execPath, [bin, ...args(o.args)], {
      env: cliEnv({ ...env, ...o.env }),
      // No terminal: approvals wait for a person, as in CI.
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<StartResult>((resolve) =>
      child.once('close', (code, signal) => {
        running.delete(child);
        const report = reportOf(stdout);
        resolve({ code, signal, stdout, stderr, ...(report ? { report } : {}) });
      }),
    );
    return { child, stdout: () => stdout, stderr: () => stderr, exited };
  };
  return {
    root,
    repo,
    mainCommit: gitIn(repo, 'rev-parse', 'main'),
    blueprint,
    dir,
    tasks,
    model,
    env,
    args,
    spawnStart,
    async runStart(o = {}) {
      const started = spawnStart(o);
      const timeoutMs = o.timeoutMs ?? 120_000;
      const timer = setTimeout(() => started.child.kill('SIGKILL'), timeoutMs);
      try {
        const result = await started.exited;
        if (result.signal === 'SIGKILL' && result.code === null)
          throw new Error(
            `autopilot start did not end within ${timeoutMs} ms:\n${result.stdout}\n${result.stderr}`,
          );
        return result;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      for (const child of running) {
        if (child.exitCode === null && child.signalCode === null) {
          const closed = new Promise((resolve) => child.once('close', resolve));
          child.kill('SIGKILL');
          await closed;
        }
      }
      await model.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The branches Autopilot made (`autopilot/*`), sorted. */
export function autopilotBranches(repo: string): string[] {
  const out = gitIn(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/autopilot/');
  return out === '' ? [] : out.split('\n').sort();
}

/** The subjects of the commits on `branch` that `base` does not have, newest first. */
export function commitSubjects(repo: string, branch: string, base = 'main'): string[] {
  const out = gitIn(repo, 'log', '--format=%s', `${base}..${branch}`);
  return out === '' ? [] : out.split('\n');
}

/** The commits on `branch` that `base` does not have, newest first. */
export function commitsBeyond(repo: string, branch: string, base = 'main'): string[] {
  const out = gitIn(repo, 'rev-list', `${base}..${branch}`);
  return out === '' ? [] : out.split('\n');
}

/** The files `branch` changed against `base`, sorted. */
export function changedFiles(repo: string, branch: string, base = 'main'): string[] {
  const out = gitIn(repo, 'diff', '--name-only', `${base}...${branch}`);
  return out === '' ? [] : out.split('\n').sort();
}

/** `path` as `ref` holds it. */
export function fileAt(repo: string, ref: string, path: string): string {
  return gitIn(repo, 'show', `${ref}:${path}`);
}
