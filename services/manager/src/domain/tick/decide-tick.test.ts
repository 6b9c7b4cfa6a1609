import { validate, AutopilotTickedV1 } from '@autopilot/contracts';
import { parseSchedule } from '../schedule/schedule-window';
import { decideTick } from './decide-tick';
import { tickedEvent } from './ticked-event';
import type { TickCandidate, TickInput, TickProject } from './tick-types';

const NOW = Date.parse('2026-01-07T10:00:00Z'); // a Wednesday, 11:00 in Berlin
const project = (over: Partial<TickProject> = {}): TickProject => ({
  id: 'p1',
  autonomyMode: 'full_auto',
  paused: false,
  maxParallel: 10,
  inFlight: 0,
  ...over,
});
const ready = (taskId: string, over: Partial<TickCandidate> = {}): TickCandidate => ({
  taskId,
  projectId: 'p1',
  risk: 'low',
  ...over,
});
const tick = (over: Partial<TickInput>) =>
  decideTick({ now: NOW, globalMaxParallel: 100, projects: [project()], ready: [], ...over });

describe('decideTick', () => {
  it('orders by priority, then risk, then learned difficulty, then task id', () => {
    const plan = tick({
      ready: [
        ready('z', { priority: 1, risk: 'high' }),
        ready('d'),
        ready('c', { difficulty: 0.2 }),
        ready('b', { risk: 'medium', priority: 1 }),
        ready('a'),
        ready('e', { priority: 0 }),
      ],
    });
    expect(plan.dispatch).toEqual(['e', 'b', 'z', 'c', 'a', 'd']);
    expect(plan.decisions.map((d) => d.taskId)).toEqual(plan.dispatch);
    expect(plan.decisions[0]).toEqual({
      taskId: 'e',
      projectId: 'p1',
      action: 'dispatch',
      reason: 'full_auto; 1/10 in project, 1/100 overall',
    });
    expect(plan.changesState).toBe(true);
  });

  it('is deterministic whatever the input order', () => {
    const tasks = ['q', 'w', 'e', 'r', 't'].map((id, i) => ready(id, { priority: i % 2 }));
    expect(tick({ ready: [...tasks].reverse() })).toEqual(tick({ ready: tasks }));
  });

  it('respects the per-project limit, counting runs already in flight', () => {
    const plan = tick({
      projects: [project({ maxParallel: 3, inFlight: 1 })],
      ready: ['a', 'b', 'c', 'd'].map((id) => ready(id)),
    });
    expect(plan.dispatch).toEqual(['a', 'b']);
    expect(plan.decisions[2]).toMatchObject({
      action: 'hold',
      reason: 'project at its limit of 3 parallel runs',
    });
  });

  it('respects the global limit across projects, best tasks first', () => {
    const plan = tick({
      globalMaxParallel: 3,
      projects: [project({ inFlight: 1 }), project({ id: 'p2' })],
      ready: [
        ready('a', { priority: 5 }),
        ready('b', { projectId: 'p2', priority: 1 }),
        ready('c', { priority: 9 }),
      ],
    });
    expect(plan.dispatch).toEqual(['b', 'a']);
    expect(plan.decisions[2]).toMatchObject({
      taskId: 'c',
      action: 'hold',
      reason: 'global limit of 3 parallel runs reached',
    });
  });

  it('off does nothing, paused holds with its reason, a closed window says when it opens', () => {
    const plan = tick({
      projects: [
        project({ id: 'off', autonomyMode: 'off' }),
        project({ id: 'paused', paused: true, pauseReason: '3 runs in a row failed' }),
        project({ id: 'night', schedule: parseSchedule('Europe/Berlin', ['22:00-06:00']) }),
      ],
      ready: [
        ready('a', { projectId: 'off' }),
        ready('b', { projectId: 'paused' }),
        ready('c', { projectId: 'night' }),
      ],
    });
    expect(plan.dispatch).toEqual([]);
    expect(plan.changesState).toBe(false);
    expect(plan.decisions.map((d) => [d.taskId, d.action, d.reason])).toEqual([
      ['a', 'hold', 'autonomy is off'],
      ['b', 'hold', 'project paused: 3 runs in a row failed'],
      ['c', 'hold', 'outside the schedule window; opens 2026-01-07T21:00:00.000Z'],
    ]);
  });

  it('suggest records what it would run within the project limit and dispatches nothing', () => {
    const plan = tick({
      globalMaxParallel: 1,
      projects: [project({ autonomyMode: 'suggest', maxParallel: 2 })],
      ready: [ready('a'), ready('b', { risk: 'high' }), ready('c')],
    });
    expect(plan.dispatch).toEqual([]);
    expect(plan.suggest).toEqual(['a', 'c']);
    expect(plan.decisions.find((d) => d.taskId === 'a')?.reason).toBe(
      'would dispatch (1/2 in project); suggest mode dispatches nothing',
    );
    expect(plan.changesState).toBe(false);
  });

  it('semi_auto runs low-risk and approved tasks, and asks approval for the rest', () => {
    const plan = tick({
      projects: [project({ autonomyMode: 'semi_auto', maxParallel: 2 })],
      ready: [
        ready('low'),
        ready('med', { risk: 'medium' }),
        ready('ok', { risk: 'high', approved: true }),
        ready('unk', { risk: undefined }),
      ],
    });
    expect(plan.dispatch).toEqual(['low', 'ok']);
    expect(plan.requestApproval).toEqual(['med', 'unk']);
    expect(plan.decisions.find((d) => d.taskId === 'med')?.reason).toBe(
      "semi_auto: medium risk needs a person's approval before it runs",
    );
    expect(plan.decisions.find((d) => d.taskId === 'ok')?.reason).toContain('approved');
  });

  it('holds a retry until its backoff has passed', () => {
    const later = NOW + 60_000;
    expect(tick({ ready: [ready('r', { notBefore: later })] }).decisions[0]).toMatchObject({
      action: 'hold',
      reason: 'retry backoff until 2026-01-07T10:01:00.000Z',
    });
    expect(tick({ ready: [ready('r', { notBefore: NOW })] }).dispatch).toEqual(['r']);
  });

  it('holds a task of an unknown project, naming it', () => {
    expect(tick({ ready: [ready('x', { projectId: 'ghost' })] }).decisions[0]).toMatchObject({
      action: 'hold',
      reason: 'project ghost is unknown',
    });
  });

  it('shapes a carried-out plan as a valid autopilot.ticked', () => {
    const plan = tick({ ready: [ready('a')] });
    const event = tickedEvent(plan, {
      seq: 7,
      durationMs: 3,
      dispatchedRunIds: ['run-a'],
      expiredRunIds: [],
      readyTasks: 0,
      runningRuns: 1,
      suspendedRuns: 0,
    });
    expect(validate(AutopilotTickedV1, event)).toEqual([]);
    expect(event.at).toBe('2026-01-07T10:00:00.000Z');
  });
});
