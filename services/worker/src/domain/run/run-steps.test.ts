import { decideAdmission } from './run-admission';
import { deterministicPlan } from './deterministic-steps';
import {
  checkpointMessage,
  checkpointStepOf,
  contractStepKind,
  resultCommitMessage,
  resumePoint,
  WORKER_STEP_KINDS,
} from './run-steps';

const RUN = '01HX7Z3K9M2N4P5Q6R7S8T9V0W';

describe('step numbering', () => {
  it('starts at 1, continues after a recorded checkpoint, and adopts a later checkpoint the branch holds', () => {
    expect(resumePoint(undefined, undefined)).toEqual({
      lastStepSeq: 0,
      checkpointCommit: undefined,
      adopted: false,
    });
    expect(resumePoint({ commit: 'c'.repeat(40), lastStepSeq: 7 }, undefined)).toEqual({
      lastStepSeq: 7,
      checkpointCommit: 'c'.repeat(40),
      adopted: false,
    });
    const ahead = { commit: 'd'.repeat(40), step: '9' };
    expect(resumePoint({ commit: 'c'.repeat(40), lastStepSeq: 7 }, ahead)).toEqual({
      lastStepSeq: 9,
      checkpointCommit: 'd'.repeat(40),
      adopted: true,
    });
    // A requeue carries no checkpoint: the branch's trailers still say where the numbering stands.
    expect(resumePoint(undefined, ahead).lastStepSeq).toBe(9);
    // A commit whose step is no number (a label) says nothing about the numbering.
    expect(
      resumePoint({ commit: 'c'.repeat(40), lastStepSeq: 7 }, { commit: 'e'.repeat(40), step: 'x' }),
    ).toMatchObject({
      lastStepSeq: 7,
      adopted: false,
    });
  });

  it('writes the step into checkpoint and result commits, and reads it back', () => {
    const message = resultCommitMessage({
      taskId: 't1',
      title: 'Fix  sum',
      runId: RUN,
      seq: 12,
      summary: 'done',
    });
    expect(message.split('\n')[0]).toBe('Fix sum');
    expect(message).toContain(`autopilot: task t1, run ${RUN}`);
    expect(checkpointStepOf(message, RUN)).toBe(12);
    expect(message).toContain('Autopilot-Task: t1\nAutopilot-Run: ' + RUN + '\nAutopilot-Step: 12');
    expect(
      checkpointStepOf(checkpointMessage({ taskId: 't1', runId: RUN, seq: 3, why: 'x' }), 'other-run'),
    ).toBeUndefined();
    expect(checkpointStepOf('plain commit', RUN)).toBeUndefined();
  });

  it('names every step kind as step.recorded does', () => {
    expect(WORKER_STEP_KINDS.map(contractStepKind)).toEqual([
      'llm_call',
      'edit',
      'command',
      'checkpoint',
      'gate',
      'gate',
    ]);
  });
});

describe('admission', () => {
  const base = {
    runId: 'r1',
    fencingToken: 3,
    leaseExpiresAt: '2026-03-02T10:10:00.000Z',
    now: Date.parse('2026-03-02T10:00:00.000Z'),
    activeToken: undefined,
    highestTokenSeen: undefined,
  };
  it('executes a fresh lease, skips stale tokens, lapsed leases and duplicates of a run in progress', () => {
    expect(decideAdmission(base)).toEqual({ kind: 'execute' });
    expect(decideAdmission({ ...base, highestTokenSeen: 4 })).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('stale fencing token 3'),
    });
    expect(decideAdmission({ ...base, highestTokenSeen: 3 })).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('redelivery'),
    });
    expect(decideAdmission({ ...base, highestTokenSeen: 2 })).toEqual({ kind: 'execute' });
    expect(decideAdmission({ ...base, activeToken: 3 })).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('already executing'),
    });
    // An older token executing here (its command delivered again after a restart) hands back first.
    expect(decideAdmission({ ...base, activeToken: 2, highestTokenSeen: 2 })).toEqual({
      kind: 'supersede',
      token: 2,
    });
    expect(decideAdmission({ ...base, now: Date.parse(base.leaseExpiresAt) })).toMatchObject({
      kind: 'skip',
    });
  });
});

describe('deterministic steps', () => {
  it("takes the task spec's steps field first, in order", () => {
    expect(
      deterministicPlan({
        steps: [{ command: ['npm', 'run', 'fmt'] }, { patch: '--- a/x\n+++ b/x\n' }],
        description: '```autopilot-steps\n[{"command": ["ignored"]}]\n```',
      }),
    ).toEqual({
      kind: 'steps',
      steps: [
        { kind: 'command', argv: ['npm', 'run', 'fmt'] },
        { kind: 'patch', patch: '--- a/x\n+++ b/x\n' },
      ],
    });
  });

  it('reads explicit steps from the description, and reports a malformed block', () => {
    expect(deterministicPlan({ description: 'just prose' })).toEqual({ kind: 'none' });
    expect(deterministicPlan({})).toEqual({ kind: 'none' });
    const block =
      '```autopilot-steps\n[{"command": ["npm", "run", "fmt"]}, {"patch": "--- a/x\\n+++ b/x\\n"}]\n```';
    expect(deterministicPlan({ description: `Do it.\n${block}\n` })).toEqual({
      kind: 'steps',
      steps: [
        { kind: 'command', argv: ['npm', 'run', 'fmt'] },
        { kind: 'patch', patch: '--- a/x\n+++ b/x\n' },
      ],
    });
    expect(deterministicPlan({ description: '```autopilot-steps\n{oops\n```' })).toMatchObject({
      kind: 'invalid',
    });
    expect(
      deterministicPlan({ description: '```autopilot-steps\n[{"command": "npm test"}]\n```' }),
    ).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('item 1'),
    });
  });
});
