import type { AutonomyMode, RiskLevel, Task } from '@autopilot/contracts';
import { seededRandom } from '@autopilot/testing';
import { recomputeReadiness } from '../task/readiness';
import { moveTask } from '../task/task-evolve';
import { task } from '../task/task-fixtures.test-support';
import { decideTick } from './decide-tick';
import type { TickCandidate, TickProject } from './tick-types';

const RISKS: RiskLevel[] = ['low', 'medium', 'high'];
const NOW = '2026-01-01T00:00:00.000Z';

function simulate(seed: number): { ticks: number; maxGlobal: number } {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const modes: AutonomyMode[] = ['full_auto', 'semi_auto', 'full_auto'];
  const projects = modes.map((mode, i) => ({ id: `p${i}`, mode, maxParallel: 1 + Math.floor(rand() * 4) }));
  const globalMaxParallel = 2 + Math.floor(rand() * 5);
  const tasks = new Map<string, Task>();
  const meta = new Map<
    string,
    { risk: RiskLevel; priority: number; difficulty: number; approved: boolean }
  >();
  for (const p of projects) {
    for (let i = 0; i < 40; i += 1) {
      const id = `${p.id}-t${String(i).padStart(2, '0')}`;
      const deps = [...tasks.values()].filter((t) => t.projectId === p.id && rand() < 0.08).map((t) => t.id);
      tasks.set(id, task(id, 'blocked', deps, { projectId: p.id }));
      meta.set(id, {
        risk: pick(RISKS),
        priority: Math.floor(rand() * 3),
        difficulty: rand(),
        approved: false,
      });
    }
  }
  const byProject = (pid: string) => [...tasks.values()].filter((t) => t.projectId === pid);
  let maxGlobal = 0;

  for (let tick = 1; tick < 5000; tick += 1) {
    for (const p of projects)
      for (const t of recomputeReadiness(byProject(p.id), NOW).changed) tasks.set(t.id, t);
    // A person approves whatever waited since the last tick.
    for (const t of tasks.values()) {
      if (t.status !== 'awaiting_approval') continue;
      tasks.set(t.id, moveTask(t, 'ready', NOW));
      (meta.get(t.id) as { approved: boolean }).approved = true;
    }
    if ([...tasks.values()].every((t) => t.status === 'succeeded')) return { ticks: tick, maxGlobal };

    const inFlight = (pid: string) =>
      byProject(pid).filter((t) => t.status === 'queued' || t.status === 'running').length;
    const tickProjects: TickProject[] = projects.map((p) => ({
      id: p.id,
      autonomyMode: p.mode,
      paused: false,
      maxParallel: p.maxParallel,
      inFlight: inFlight(p.id),
    }));
    const ready: TickCandidate[] = [...tasks.values()]
      .filter((t) => t.status === 'ready')
      .map((t) => ({ taskId: t.id, projectId: t.projectId, ...(meta.get(t.id) as object) }));
    const plan = decideTick({ now: Date.parse(NOW), globalMaxParallel, projects: tickProjects, ready });

    for (const id of plan.requestApproval)
      tasks.set(id, moveTask(tasks.get(id) as Task, 'awaiting_approval', NOW));
    for (const id of plan.dispatch) {
      const t = tasks.get(id) as Task;
      for (const dep of t.dependsOn) expect([id, tasks.get(dep)?.status]).toEqual([id, 'succeeded']);
      tasks.set(id, moveTask(moveTask(t, 'queued', NOW), 'running', NOW));
    }
    for (const p of projects) expect(inFlight(p.id)).toBeLessThanOrEqual(p.maxParallel);
    const global = projects.reduce((n, p) => n + inFlight(p.id), 0);
    expect(global).toBeLessThanOrEqual(globalMaxParallel);
    maxGlobal = Math.max(maxGlobal, global);

    // Instant completion of some runs; a few fail once and go back to ready for a retry.
    for (const t of tasks.values()) {
      if (t.status !== 'running' || rand() < 0.3) continue;
      tasks.set(
        t.id,
        moveTask(t, rand() < 0.1 && t.attempts === 0 ? 'ready' : 'succeeded', NOW, {
          attempts: t.attempts + 1,
        }),
      );
    }
  }
  throw new Error(`seed ${seed}: the graph never finished`);
}

describe('ticks over random task graphs', () => {
  it.each([1, 2, 3, 42, 2026, 31337])(
    'seed %i: no task runs before its dependencies succeeded, limits hold, everything finishes',
    (seed) => {
      const { ticks, maxGlobal } = simulate(seed);
      expect(ticks).toBeGreaterThan(1);
      expect(maxGlobal).toBeGreaterThan(0);
    },
  );
});
