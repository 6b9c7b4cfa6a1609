import type { PlanGeneratedV1, TasksGeneratedV1 } from '@autopilot/contracts';
import { AnnouncedRevisions } from './announced-revisions';

/** Payloads standing for a revision: only the fields AnnouncedRevisions reads are real. */
function revision(planId: string, revision: number, generatedAt = `2026-11-24T10:0${revision}:00.000Z`) {
  const plan = { planId, revision, generatedAt, nodes: [] } as unknown as PlanGeneratedV1;
  const tasks = { planId, planRevision: revision, generatedAt, tasks: [] } as unknown as TasksGeneratedV1;
  return { plan, tasks, head: { planId, revision, generatedAt } };
}

describe('AnnouncedRevisions', () => {
  it('gives the revision last announced of a plan only for that very revision (number and time)', () => {
    const announced = new AnnouncedRevisions();
    const first = revision('plan-a', 1);
    announced.remember(first.plan, first.tasks);
    const held = announced.baseFor(first.head);
    // The objects themselves, not copies.
    expect(held?.plan).toBe(first.plan);
    expect(held?.tasks).toBe(first.tasks);
    expect(announced.baseFor({ ...first.head, revision: 2 })).toBeUndefined();
    // The same number from a store that was reset since: another revision.
    expect(announced.baseFor({ ...first.head, generatedAt: '2027-01-01T00:00:00.000Z' })).toBeUndefined();
    expect(announced.baseFor({ ...first.head, planId: 'plan-b' })).toBeUndefined();
    expect(announced.baseFor(undefined)).toBeUndefined();

    const second = revision('plan-a', 2);
    announced.remember(second.plan, second.tasks);
    expect(announced.baseFor(first.head)).toBeUndefined();
    expect(announced.baseFor(second.head)?.plan).toBe(second.plan);
  });

  it('keeps the plans announced last, up to its capacity', () => {
    const announced = new AnnouncedRevisions(2);
    const [a, b, c] = ['plan-a', 'plan-b', 'plan-c'].map((id) => revision(id, 1));
    announced.remember(a!.plan, a!.tasks);
    announced.remember(b!.plan, b!.tasks);
    // Announced again: plan-a is now the latest, so plan-b goes first.
    announced.remember(a!.plan, a!.tasks);
    announced.remember(c!.plan, c!.tasks);
    expect(announced.baseFor(a!.head)).toBeDefined();
    expect(announced.baseFor(b!.head)).toBeUndefined();
    expect(announced.baseFor(c!.head)).toBeDefined();
  });
});
