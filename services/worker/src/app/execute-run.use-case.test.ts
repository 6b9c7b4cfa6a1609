import { RunFinishedV1, RunStartedV1, RunSuspendedV1, StepRecordedV1 } from '@autopilot/contracts';
import { checkpointStepOf } from '../domain/run/run-steps';
import {
  FakeGovernance,
  RecordingReports,
  ScriptedModel,
  reply,
  type ScriptedTurn,
} from '../testing/fake-run-ports';
import { executeRunCommand, runLoopFixture, sumTask, T0 } from '../testing/worker-fixture';

const fixSum = { name: 'str_replace', args: { path: 'src/sum.ts', old_str: 'a - b', new_str: 'a + b' } };
const runTests = { name: 'run_command', args: { argv: ['npm', 'test'] } };
const finish = { name: 'finish', args: { summary: 'sum adds now', confidence: 0.9 } };

/** Every report's fencing token, and the step numbers in order. */
function audit(reports: RecordingReports): { tokens: number[]; seqs: number[] } {
  return {
    tokens: reports.sent.map((e) => (e.data as { fencingToken: number }).fencingToken),
    seqs: reports.of(StepRecordedV1).map((s) => s.seq),
  };
}

const lastUserText = (messages: readonly { role: string; content?: unknown }[]): string =>
  String([...messages].reverse().find((m) => m.role === 'user')?.content ?? '');

describe('ExecuteRunUseCase', () => {
  it('edits, sees the tests pass, finishes: the gate passes and the run succeeds with one result commit', async () => {
    const model = new ScriptedModel([
      reply({ name: 'view_file', args: { path: 'src/sum.ts' } }),
      reply(fixSum),
      reply(runTests),
      reply(finish),
    ]);
    const f = runLoopFixture({ model });
    let beats = 0;
    const end = await f.uc.execute(executeRunCommand(), { working: () => beats++ });

    expect(end).toEqual({ kind: 'finished', outcome: 'succeeded' });
    expect(f.reports.types()[0]).toBe(RunStartedV1.type);
    expect(f.reports.types().at(-1)).toBe(RunFinishedV1.type);
    const [started] = f.reports.of(RunStartedV1);
    expect(started).toMatchObject({
      workerId: 'w1',
      branch: 'autopilot/fix-sum-so-it-adds-7s8t9v0w',
      baseCommit: f.remote.baseCommit,
    });
    const [finished] = f.reports.of(RunFinishedV1);
    const commits = f.remote.commitsOf('autopilot/fix-sum-so-it-adds-7s8t9v0w');
    expect(commits).toHaveLength(1);
    expect(commits[0]?.message).toContain('autopilot: task task-sum, run 01HX7Z3K9M2N4P5Q6R7S8T9V0W');
    expect(commits[0]?.tree.get('src/sum.ts')).toContain('a + b');
    expect(finished).toMatchObject({
      outcome: 'succeeded',
      headCommit: commits[0]?.sha,
      branch: 'autopilot/fix-sum-so-it-adds-7s8t9v0w',
      diff: { filesChanged: 1, insertions: 1, deletions: 1 },
      tests: { passed: 3, failed: 0 },
      tokens: { input: 400, output: 80 },
      steps: audit(f.reports).seqs.length,
    });
    expect(finished?.costUsd).toBeCloseTo(0.04);
    // One criterion checked by the test run, one said plainly to be unchecked: confidence weighed down.
    expect(finished?.summary).toContain('the tests pass: checked by `npm test`');
    expect(finished?.summary).toContain('sum is documented: not machine-checked');
    expect(finished?.confidence).toBeCloseTo(0.675);
    // The tests passed after the last edit, so the gate did not run them again.
    expect(f.commands.runs.map((r) => r.argv.join(' '))).toEqual(['npm test']);
    const { tokens, seqs } = audit(f.reports);
    expect(new Set(tokens)).toEqual(new Set([3]));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(f.reports.of(StepRecordedV1).map((s) => s.kind)).toEqual([
      'llm_call',
      'llm_call',
      'edit',
      'llm_call',
      'command',
      'llm_call',
      'gate',
      'checkpoint',
    ]);
    expect(beats).toBeGreaterThanOrEqual(seqs.length);
    expect(f.workspaces.released).toHaveLength(1);
    expect(f.uc.activeRuns()).toEqual([]);
  });

  it("runs a fresh worktree's install step first, under policy with network asked for an install", async () => {
    const model = new ScriptedModel([
      reply({ name: 'view_file', args: { path: 'src/sum.ts' } }),
      reply(fixSum),
      reply(runTests),
      reply(finish),
    ]);
    const governance = new FakeGovernance();
    const f = runLoopFixture({ model, governance });
    f.workspaces.install = ['npm', 'ci'];
    expect(await f.uc.execute(executeRunCommand(), { working: () => undefined })).toEqual({
      kind: 'finished',
      outcome: 'succeeded',
    });
    expect(governance.asked[0]?.action).toMatchObject({
      kind: 'command',
      argv: ['npm', 'ci'],
      network: { purpose: 'install' },
    });
    expect(f.commands.runs[0]).toMatchObject({ argv: ['npm', 'ci'], network: true });
    // Every other command runs without network.
    expect(f.commands.runs.slice(1).every((r) => r.network === false)).toBe(true);
  });
  it('does not take finish for done: failing tests fail the gate, the doctor hints, and the next try passes', async () => {
    const model = new ScriptedModel([
      reply({ name: 'str_replace', args: { path: 'src/sum.ts', old_str: 'a - b', new_str: 'a * b' } }),
      reply(finish),
      reply({ name: 'str_replace', args: { path: 'src/sum.ts', old_str: 'a * b', new_str: 'a + b' } }),
      reply(finish),
    ]);
    const f = runLoopFixture({ model });
    const end = await f.uc.execute(executeRunCommand());

    expect(end).toEqual({ kind: 'finished', outcome: 'succeeded' });
    const steps = f.reports.of(StepRecordedV1);
    const gates = steps.filter((s) => s.kind === 'gate');
    expect(gates.map((g) => [g.status, g.summary.split('\n')[0]?.slice(0, 34)])).toEqual([
      ['failed', 'gate failed: `npm test` exited 1: '],
      ['succeeded', 'doctor: test_failure → retry_with_'],
      ['succeeded', 'gate passed'],
    ]);
    // The model heard why: the finish call's answer, then the doctor's hint before its next call.
    const third = model.requests[2]?.messages ?? [];
    expect(third.some((m) => m.role === 'tool' && m.content.startsWith('Not done yet'))).toBe(true);
    expect(lastUserText(third)).toContain('The quality gate failed');
    expect(lastUserText(third)).toContain('expected 3, received -1');
    expect(f.commands.runs.map((r) => r.argv.join(' '))).toEqual(['npm test', 'npm test']);
  });

  it('fails the run once the doctor gives up, keeping the work on the branch', async () => {
    const wrong = (n: number): ScriptedTurn =>
      reply({
        name: 'str_replace',
        args: {
          path: 'src/sum.ts',
          old_str: n === 0 ? 'a - b' : `a * b${' '.repeat(n - 1)}`,
          new_str: `a * b${' '.repeat(n)}`,
        },
      });
    const model = new ScriptedModel([
      wrong(0),
      reply(finish),
      wrong(1),
      reply(finish),
      wrong(2),
      reply(finish),
      wrong(3),
      reply(finish),
    ]);
    const f = runLoopFixture({ model, settings: { maxDoctorCalls: 2 } });
    const end = await f.uc.execute(executeRunCommand());

    expect(end).toMatchObject({
      kind: 'finished',
      outcome: 'failed',
      failure: { code: 'WORKER_TESTS_FAILED' },
    });
    const [finished] = f.reports.of(RunFinishedV1);
    expect(finished?.failure?.message).toContain('gave up after 2 doctor calls');
    expect(finished?.tests).toEqual({ passed: 2, failed: 1 });
    const commits = f.remote.commitsOf(finished?.branch ?? '');
    expect(finished?.headCommit).toBe(commits.at(-1)?.sha);
    expect(commits.at(-1)?.tree.get('src/sum.ts')).toContain('a * b');
    // The second identical failure escalated to the strong model.
    expect(model.requests.map((r) => r.tier)).toContain('strong');
  });

  it('suspends for approval with a checkpoint, and resumes on another worker without repeating a side effect', async () => {
    const docs = { name: 'create_file', args: { path: 'src/sum.md', content: 'sum(a, b) adds a and b\n' } };
    const first = runLoopFixture({
      model: new ScriptedModel([reply(fixSum), reply(docs)]),
      governance: new FakeGovernance((r) =>
        r.action.paths.includes('src/sum.md')
          ? {
              decision: 'needs_approval',
              reasons: ['docs need a review'],
              ruleIds: ['docs.review'],
              approvalId: 'appr-1',
            }
          : {},
      ),
    });
    const command = executeRunCommand();
    const suspendedEnd = await first.uc.execute(command);

    expect(suspendedEnd).toEqual({ kind: 'suspended', reason: 'awaiting_approval' });
    const [suspended] = first.reports.of(RunSuspendedV1);
    const branch = 'autopilot/fix-sum-so-it-adds-7s8t9v0w';
    const checkpoint = first.remote.commitsOf(branch).at(-1);
    expect(suspended).toMatchObject({
      reason: 'awaiting_approval',
      approvalId: 'appr-1',
      fencingToken: 3,
      checkpoint: { commit: checkpoint?.sha, lastStepSeq: 4 },
    });
    expect(first.reports.types()).not.toContain(RunFinishedV1.type);
    expect(checkpoint?.tree.get('src/sum.ts')).toContain('a + b');
    expect(checkpoint?.tree.has('src/sum.md')).toBe(false);
    expect(checkpointStepOf(checkpoint?.message ?? '', command.runId)).toBe(4);
    expect(first.workspaces.released).toHaveLength(1);
    expect(first.tools.applied.map((a) => a.paths)).toEqual([['src/sum.ts']]);

    // Approved: the manager dispatches again, under a new lease, to another worker.
    const model = new ScriptedModel([reply(runTests), reply(finish)]);
    const second = runLoopFixture({ model, remote: first.remote, journal: first.journal, workerName: 'w2' });
    const resumed = await second.uc.execute({
      ...command,
      fencingToken: 4,
      resumeFrom: suspended?.checkpoint ?? { commit: '', lastStepSeq: 0 },
    });

    expect(resumed).toEqual({ kind: 'finished', outcome: 'succeeded' });
    expect(second.reports.of(RunStartedV1)[0]).toMatchObject({
      resumedFrom: checkpoint?.sha,
      workerId: 'w2',
      fencingToken: 4,
    });
    // The approved write ran once, on the resuming worker; the earlier edit was not redone.
    expect(second.tools.applied.map((a) => a.paths)).toEqual([['src/sum.md']]);
    const seqs = [...audit(first.reports).seqs, ...audit(second.reports).seqs];
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(new Set(audit(second.reports).tokens)).toEqual(new Set([4]));
    // The conversation came back: the model's first call on w2 sees the whole earlier exchange.
    expect(
      model.requests[0]?.messages.some((m) => m.role === 'tool' && m.content.includes('wrote src/sum.ts')),
    ).toBe(true);
    const [finished] = second.reports.of(RunFinishedV1);
    expect(finished).toMatchObject({ outcome: 'succeeded', diff: { filesChanged: 2 } });
    expect(finished?.costUsd).toBeCloseTo(0.04);
    expect(first.remote.commitsOf(branch).at(-1)?.tree.get('src/sum.md')).toBe('sum(a, b) adds a and b\n');
  });

  it('suspends awaiting budget when a reservation is refused, naming the cap and the amount', async () => {
    const model = new ScriptedModel([
      reply(fixSum),
      { kind: 'budget_refused', scope: 'daily', requestedUsd: 0.42, reason: 'the daily cap would be passed' },
    ]);
    const f = runLoopFixture({ model });
    const end = await f.uc.execute(executeRunCommand());

    expect(end).toEqual({ kind: 'suspended', reason: 'awaiting_budget' });
    const [suspended] = f.reports.of(RunSuspendedV1);
    expect(suspended).toMatchObject({
      reason: 'awaiting_budget',
      exceededScope: 'daily',
      requestedUsd: 0.42,
      costUsd: 0.01,
      checkpoint: { lastStepSeq: 3 },
    });
    expect(suspended?.approvalId).toBeUndefined();
  });

  it('answers a malformed tool call with a tool error and goes on', async () => {
    const model = new ScriptedModel([
      reply({ name: 'str_replace', args: '{"path": "src/sum.ts", "old_str": ' }),
      reply({ name: 'no_such_tool', args: {} }),
      reply(fixSum),
      reply(runTests),
      reply(finish),
    ]);
    const f = runLoopFixture({ model });
    const end = await f.uc.execute(executeRunCommand());

    expect(end).toEqual({ kind: 'finished', outcome: 'succeeded' });
    const second = model.requests[1]?.messages ?? [];
    expect(second.at(-1)).toMatchObject({ role: 'tool', content: expect.stringContaining('not valid JSON') });
    const third = model.requests[2]?.messages ?? [];
    expect(third.at(-1)).toMatchObject({
      role: 'tool',
      content: expect.stringContaining('unknown tool no_such_tool'),
    });
  });

  it('gives a denied command back to the model as a tool error with the rule', async () => {
    const model = new ScriptedModel([
      reply({ name: 'run_command', args: { argv: ['curl', 'https://example.com'] } }),
      reply(fixSum),
      reply(finish),
    ]);
    const governance = new FakeGovernance((r) =>
      r.action.argv?.[0] === 'curl'
        ? { decision: 'deny', reasons: ['no network'], ruleIds: ['net.off'] }
        : {},
    );
    const f = runLoopFixture({ model, governance });
    expect(await f.uc.execute(executeRunCommand())).toEqual({ kind: 'finished', outcome: 'succeeded' });
    expect(model.requests[1]?.messages.at(-1)).toMatchObject({
      role: 'tool',
      content: 'Denied by policy (net.off): no network',
    });
    expect(f.reports.of(StepRecordedV1).find((s) => s.status === 'denied')).toMatchObject({
      kind: 'command',
      argv: ['curl', 'https://example.com'],
    });
    expect(f.commands.runs.map((r) => r.argv[0])).toEqual(['npm']);
    expect(
      governance.asked.every((a) => a.worktree?.root === '/worktrees/w1/01HX7Z3K9M2N4P5Q6R7S8T9V0W'),
    ).toBe(true);
  });

  it('runs the explicit steps of a task without a model', async () => {
    const patch = [
      '--- a/src/sum.ts',
      '+++ b/src/sum.ts',
      '@@',
      '-export const sum = (a: number, b: number) => a - b;',
      '+export const sum = (a: number, b: number) => a + b;',
    ].join('\n');
    const description = `Flip the sign.\n\n\`\`\`autopilot-steps\n${JSON.stringify([{ patch }, { command: ['npm', 'run', 'format'] }])}\n\`\`\``;
    const model = new ScriptedModel([]);
    const f = runLoopFixture({ model });
    const end = await f.uc.execute(executeRunCommand({ task: sumTask({ description }) }));

    expect(end).toEqual({ kind: 'finished', outcome: 'succeeded' });
    expect(model.calls).toBe(0);
    const [finished] = f.reports.of(RunFinishedV1);
    expect(finished).toMatchObject({
      costUsd: 0,
      tokens: { input: 0, output: 0 },
      tests: { passed: 3, failed: 0 },
    });
    expect(f.commands.runs.map((r) => r.argv.join(' '))).toEqual(['npm run format', 'npm test']);
  });

  it('refuses stale work: an older fencing token, a redelivery of a run done here, or a lease that lapsed before the run began', async () => {
    const f = runLoopFixture({ model: new ScriptedModel([reply(fixSum), reply(runTests), reply(finish)]) });
    await f.uc.execute(executeRunCommand());
    const before = f.reports.sent.length;

    const stale = await f.uc.execute(executeRunCommand({ fencingToken: 2 }));
    expect(stale).toMatchObject({
      kind: 'skipped',
      reason: expect.stringContaining('stale fencing token 2'),
    });
    const again = await f.uc.execute(executeRunCommand());
    expect(again).toMatchObject({ kind: 'skipped', reason: expect.stringContaining('a redelivery') });
    const lapsed = await f.uc.execute(
      executeRunCommand({ runId: 'run-2', fencingToken: 1, leaseExpiresAt: new Date(T0 - 1).toISOString() }),
    );
    expect(lapsed).toMatchObject({ kind: 'skipped', reason: expect.stringContaining('lapsed') });
    expect(f.reports.sent.length).toBe(before);
  });

  it('hands a run back on shutdown: checkpoint, no report; the next worker adopts it and numbers on', async () => {
    const abort = new AbortController();
    const model = new ScriptedModel([
      reply(fixSum),
      () => {
        abort.abort();
        return reply({ name: 'view_file', args: { path: 'src/sum.ts' } });
      },
    ]);
    const first = runLoopFixture({ model });
    const command = executeRunCommand();
    const end = await first.uc.execute(command, { signal: abort.signal });

    expect(end).toMatchObject({ kind: 'handed_back' });
    expect(first.reports.types().filter((t) => t !== StepRecordedV1.type)).toEqual([RunStartedV1.type]);
    const lastSeq = audit(first.reports).seqs.at(-1) ?? 0;
    const tip = first.remote.commitsOf('autopilot/fix-sum-so-it-adds-7s8t9v0w').at(-1);
    expect(end).toEqual({ kind: 'handed_back', checkpoint: tip?.sha });
    expect(checkpointStepOf(tip?.message ?? '', command.runId)).toBe(lastSeq);

    // The lease lapses; the manager requeues the run under a new token, without a recorded checkpoint.
    const second = runLoopFixture({
      model: new ScriptedModel([reply(runTests), reply(finish)]),
      remote: first.remote,
      journal: first.journal,
      workerName: 'w2',
    });
    const resumed = await second.uc.execute({ ...command, fencingToken: 4 });
    expect(resumed).toEqual({ kind: 'finished', outcome: 'succeeded' });
    expect(second.reports.of(RunStartedV1)[0]?.resumedFrom).toBe(tip?.sha);
    expect(audit(second.reports).seqs[0]).toBe(lastSeq + 1);
    expect(second.tools.applied).toEqual([]);
  });

  it('ends a run whose worktree cannot be provisioned with a failure naming why', async () => {
    const f = runLoopFixture({ model: new ScriptedModel([]) });
    f.workspaces.failProvision = new Error('remote /repos/demo unreachable');
    const end = await f.uc.execute(executeRunCommand());
    expect(end).toMatchObject({ kind: 'finished', outcome: 'failed' });
    expect(f.reports.of(RunFinishedV1)[0]?.failure).toEqual({
      code: 'WORKER_INFRASTRUCTURE',
      message: 'the worktree could not be provisioned: remote /repos/demo unreachable',
    });
  });

  it('undoes changes outside the scope once (execute_fix after a checkpoint) and passes after', async () => {
    const stray = { name: 'create_file', args: { path: 'scripts/hack.sh', content: 'echo hi\n' } };
    const model = new ScriptedModel([reply(fixSum, stray), reply(runTests), reply(finish), reply(finish)]);
    const f = runLoopFixture({ model });
    const end = await f.uc.execute(executeRunCommand());

    expect(end).toEqual({ kind: 'finished', outcome: 'succeeded' });
    const doctor = f.reports.of(StepRecordedV1).find((s) => s.summary.startsWith('doctor:'));
    expect(doctor?.summary).toContain('gate_rejected → execute_fix');
    const commits = f.remote.commitsOf('autopilot/fix-sum-so-it-adds-7s8t9v0w');
    expect(commits[0]?.tree.has('scripts/hack.sh')).toBe(true); // the checkpoint before the fix
    expect(commits.at(-1)?.tree.has('scripts/hack.sh')).toBe(false);
    expect(f.reports.of(RunFinishedV1)[0]?.diff.filesChanged).toBe(1);
  });
});

describe('ExecuteRunUseCase limits and faults', () => {
  it('escalates to the strong model after a failed model call, and compacts once on a context-length error', async () => {
    const model = new ScriptedModel([
      { kind: 'failed', code: 'MODEL_PROVIDER_5XX', message: 'HTTP 503 after 3 retries', costUsd: 0 },
      { kind: 'context_too_long', message: 'maximum context length is 8192 tokens' },
      reply(fixSum),
      reply(runTests),
      reply(finish),
    ]);
    const f = runLoopFixture({ model });
    expect(await f.uc.execute(executeRunCommand())).toEqual({ kind: 'finished', outcome: 'succeeded' });
    expect(model.requests.map((r) => r.tier)).toEqual(['cheap', 'strong', 'strong', 'strong', 'strong']);
    expect(model.requests.map((r) => r.role)).toEqual(Array(5).fill('worker_code'));
    const steps = f.reports.of(StepRecordedV1);
    expect(steps[0]).toMatchObject({ kind: 'llm_call', status: 'failed' });
    expect(steps[1]?.summary).toContain('doctor: model_error → escalate_model');
  });

  it('fails a run at its step limit, and suspends one at its own budget cap before calling the model', async () => {
    const looping = new ScriptedModel(
      Array.from({ length: 20 }, () => reply({ name: 'list_files', args: {} })),
    );
    const f = runLoopFixture({ model: looping, settings: { maxStepsPerRun: 5 } });
    const end = await f.uc.execute(executeRunCommand());
    expect(end).toMatchObject({
      kind: 'finished',
      outcome: 'failed',
      failure: { code: 'WORKER_STEP_LIMIT' },
    });
    expect(looping.calls).toBe(5);

    const spender = new ScriptedModel([reply(fixSum), reply(runTests)]);
    const g = runLoopFixture({ model: spender });
    expect(await g.uc.execute(executeRunCommand({ budgetUsd: 0.01 }))).toEqual({
      kind: 'suspended',
      reason: 'awaiting_budget',
    });
    expect(spender.calls).toBe(1);
    expect(g.reports.of(RunSuspendedV1)[0]).toMatchObject({ exceededScope: 'run', costUsd: 0.01 });
  });

  it('fails the run when governance cannot be asked: never an allow by default', async () => {
    const model = new ScriptedModel([reply(fixSum)]);
    const governance = {
      evaluate: async (): Promise<never> => {
        throw new Error('request governance.evaluate timed out after 10000 ms');
      },
    };
    const f = runLoopFixture({ model, governance });
    const end = await f.uc.execute(executeRunCommand());
    expect(end).toMatchObject({
      kind: 'finished',
      outcome: 'failed',
      failure: { code: 'WORKER_INFRASTRUCTURE' },
    });
    expect(f.tools.applied).toEqual([]);
    expect(f.reports.of(RunFinishedV1)[0]?.failure?.message).toContain('governance could not be asked');
    expect(f.reports.completing).toEqual([RunFinishedV1.type]);
  });
});

describe('ExecuteRunUseCase.handBackAll', () => {
  it('hands back every run executing here after its current step (graceful shutdown)', async () => {
    const holder: { uc?: { handBackAll(): void; activeRuns(): string[] } } = {};
    let activeDuring: string[] = [];
    const model = new ScriptedModel([
      () => {
        activeDuring = holder.uc?.activeRuns() ?? [];
        holder.uc?.handBackAll();
        return reply(fixSum);
      },
    ]);
    const f = runLoopFixture({ model });
    holder.uc = f.uc;
    const end = await f.uc.execute(executeRunCommand());
    expect(activeDuring).toEqual(['01HX7Z3K9M2N4P5Q6R7S8T9V0W']);
    expect(end).toMatchObject({ kind: 'handed_back' });
    // The step in progress (the model call) finished; the edit it asked for waits in the journal
    // for the worker that takes the run next, not done twice.
    expect(f.tools.applied).toHaveLength(0);
    const [entry] = [...f.journal.entries.values()];
    expect(entry?.pendingCalls.map((c) => c.name)).toEqual(['str_replace']);
    expect(f.uc.activeRuns()).toEqual([]);
  });

  it('a newer fencing token for a run executing here hands the older execution back first, then runs alone', async () => {
    const holder: {
      newer?: Promise<unknown>;
      uc?: { execute(c: ReturnType<typeof executeRunCommand>): Promise<unknown>; activeRuns(): string[] };
    } = {};
    const model = new ScriptedModel([
      () => {
        // The requeued command arrives while token 1 is in its first step.
        holder.newer = holder.uc?.execute(executeRunCommand({ fencingToken: 4 }));
        return reply(fixSum);
      },
      reply(fixSum),
      reply(runTests),
      reply(finish),
    ]);
    const f = runLoopFixture({ model });
    holder.uc = f.uc;
    const older = await f.uc.execute(executeRunCommand());
    expect(older).toMatchObject({ kind: 'handed_back' });
    expect(await holder.newer).toEqual({ kind: 'finished', outcome: 'succeeded' });
    // The edit token 3's model asked for was left to the journal, and done once, by token 4.
    expect(f.tools.applied).toHaveLength(1);
    expect(f.reports.of(RunFinishedV1).map((r) => r.fencingToken)).toEqual([4]);
    expect(f.uc.activeRuns()).toEqual([]);
  });
});
