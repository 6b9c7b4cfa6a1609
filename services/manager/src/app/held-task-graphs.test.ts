import { taskSpec, tasksGenerated } from '../testing/manager-fixture';
import { HeldTaskGraphs } from './held-task-graphs';

const graph = (
  projectId: string,
  planRevision: number,
  generatedAt = `2026-03-0${planRevision}T09:00:00.000Z`,
) => tasksGenerated(projectId, [taskSpec(`${projectId}-${planRevision}`)], { planRevision, generatedAt });

describe('HeldTaskGraphs', () => {
  it('holds the latest revision per plan, not an older one delivered late', () => {
    const held = new HeldTaskGraphs();
    expect(held.get('plan-p1')).toBeUndefined();
    held.remember(graph('p1', 2));
    held.remember(graph('p1', 1));
    expect(held.get('plan-p1')?.planRevision).toBe(2);
    held.remember(graph('p1', 3));
    expect(held.get('plan-p1')?.planRevision).toBe(3);
    held.remember(graph('p2', 1));
    expect(held.get('plan-p1')?.planRevision).toBe(3);
    expect(held.get('plan-p2')?.planRevision).toBe(1);
  });

  it('replaces a revision with the same revision announced again', () => {
    const held = new HeldTaskGraphs();
    held.remember(graph('p1', 2, '2026-03-02T09:00:00.000Z'));
    const again = graph('p1', 2, '2026-03-02T11:00:00.000Z');
    held.remember(again);
    expect(held.get('plan-p1')).toBe(again);
  });

  it('lets the least recently used plan go past its capacity', () => {
    const held = new HeldTaskGraphs(2);
    held.remember(graph('a', 1));
    held.remember(graph('b', 1));
    expect(held.get('plan-a')).toBeDefined(); // a used last: b is now the least recent
    held.remember(graph('c', 1));
    expect(held.get('plan-b')).toBeUndefined();
    expect(held.get('plan-a')?.projectId).toBe('a');
    expect(held.get('plan-c')?.projectId).toBe('c');
  });
});
