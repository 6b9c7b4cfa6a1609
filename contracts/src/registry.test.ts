import { SERVICES } from './define-message';
import { messageBySubject, messageByType, messages } from './registry';

describe('registry', () => {
  it('gives every message its own subject and envelope type', () => {
    const subjects = messages.map((m) => m.subject);
    const types = messages.map((m) => m.type);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(new Set(types).size).toBe(types.length);
  });

  it('names only services of DESIGN.md section 2 as producers and consumers', () => {
    const known: readonly string[] = SERVICES;
    for (const m of messages) {
      expect({ type: m.type, producer: known.includes(m.producer) }).toEqual({
        type: m.type,
        producer: true,
      });
      expect(m.consumers.length).toBeGreaterThan(0);
      for (const consumer of m.consumers) {
        expect({ type: m.type, consumer, known: known.includes(consumer) }).toEqual({
          type: m.type,
          consumer,
          known: true,
        });
      }
    }
  });

  it('has the gateway read every event: its read model projects them all (DESIGN.md section 2)', () => {
    const missed = messages
      .filter((m) => m.kind === 'event' && !m.consumers.includes('gateway'))
      .map((m) => m.type);
    expect(missed).toEqual([]);
  });

  it('gives every request a reply schema and no other message one', () => {
    for (const m of messages)
      expect({ type: m.type, hasReply: m.reply !== undefined }).toEqual({
        type: m.type,
        hasReply: m.kind === 'request',
      });
  });

  it('covers the messages DESIGN.md section 2 names', () => {
    expect(messages.map((m) => m.subject).sort()).toEqual(
      [
        'ap.v1.cmd.ingestion.submit_blueprint',
        'ap.v1.cmd.ingestion.scan_repo',
        'ap.v1.evt.blueprint.ingested',
        'ap.v2.evt.blueprint.ingested',
        'ap.v1.cmd.ingestion.announce_blueprint',
        'ap.v1.evt.repo.scanned',
        'ap.v1.evt.ingestion.progress',
        'ap.v1.evt.plan.generated',
        'ap.v1.evt.plan.rejected',
        'ap.v1.evt.tasks.generated',
        'ap.v2.evt.plan.generated',
        'ap.v2.evt.tasks.generated',
        'ap.v1.cmd.planner.announce_plan',
        'ap.v1.evt.gap_report.created',
        'ap.v1.evt.plan_proposal.created',
        'ap.v1.cmd.worker.execute_run',
        'ap.v1.evt.task.updated',
        'ap.v1.evt.run.updated',
        'ap.v1.evt.project.updated',
        'ap.v1.evt.project.day_summarized',
        'ap.v1.evt.autopilot.ticked',
        'ap.v1.cmd.manager.create_project',
        'ap.v1.cmd.manager.update_project',
        'ap.v1.cmd.manager.set_autonomy',
        'ap.v1.cmd.manager.pause_project',
        'ap.v1.cmd.manager.resume_project',
        'ap.v1.cmd.manager.abort_project',
        'ap.v1.cmd.manager.cancel_run',
        'ap.v1.cmd.manager.retry_task',
        'ap.v1.evt.run.started',
        'ap.v1.evt.step.recorded',
        'ap.v1.evt.run.finished',
        'ap.v1.evt.run.suspended',
        'ap.v1.cmd.governance.decide_approval',
        'ap.v1.req.governance.evaluate',
        'ap.v1.cmd.governance.request_approval',
        'ap.v1.cmd.governance.withdraw_approval',
        'ap.v1.req.governance.reserve_budget',
        'ap.v1.req.governance.settle_budget',
        'ap.v1.evt.approval.requested',
        'ap.v1.evt.approval.decided',
        'ap.v1.evt.approval.reminder',
        'ap.v1.evt.budget.exceeded',
        'ap.v1.evt.budget.updated',
      ].sort(),
    );
  });

  it('finds a definition by subject and by envelope type', () => {
    const runFinished = messageBySubject('ap.v1.evt.run.finished');
    expect(runFinished?.type).toBe('run.finished.v1');
    expect(messageByType('run.finished.v1')).toBe(runFinished);
    expect(messageByType('worker.execute_run.v1')?.subject).toBe('ap.v1.cmd.worker.execute_run');
    expect(messageBySubject('ap.v2.evt.run.finished')).toBeUndefined();
    expect(messageByType('run.finished.v2')).toBeUndefined();
  });
});
