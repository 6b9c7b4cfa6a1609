import type { Gap, IntentionAnchor, ProposalAction, RiskLevel } from '@autopilot/contracts';
import type { PlanReport } from './plan-pipeline';

/**
 * What `autopilot plan --json` prints (issue 3). Only content-derived values: no timestamps, no job,
 * envelope or event ids, so the same input prints the same bytes. Key order is fixed by the object
 * literals below; arrays keep the services' order (plan nodes parents first, tasks in dependency
 * order, gaps blocking first), which is itself deterministic.
 */
export interface PlanOutput {
  blueprint: { id: string; version: number; digest: string; words: number };
  nodes: {
    id: string;
    kind: string;
    title: string;
    parentId: string | null;
    start: number;
    end: number;
    priority: number;
    risk: RiskLevel;
  }[];
  tasks: {
    id: string;
    title: string;
    kind: string;
    planNodeId: string;
    dependsOn: string[];
    scope: string[];
    validation: string[][];
  }[];
  anchor: { id: string; text: string; pivots: string[] };
  questions: { pivot: string; text: string }[];
  /** Null without `--repo`. */
  gaps: {
    reportId: string;
    commit: string | null;
    summary: string;
    items: Gap[];
    proposal: { id: string; title: string; actions: ProposalAction[]; droppedActions: number } | null;
  } | null;
}

export function planOutput(report: PlanReport): PlanOutput {
  const { blueprint, plan, tasks, repo } = report;
  return {
    blueprint: {
      id: blueprint.blueprintId,
      version: blueprint.version,
      digest: blueprint.digest,
      words: blueprint.wordCount,
    },
    nodes: plan.nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      title: n.title,
      parentId: n.parentId ?? null,
      start: n.start,
      end: n.end,
      priority: n.priority,
      risk: n.risk,
    })),
    tasks: tasks.tasks.map((t) => ({
      id: t.id,
      title: t.title,
      kind: t.kind,
      planNodeId: t.planNodeId,
      dependsOn: [...t.dependsOn],
      scope: [...t.scopePaths],
      validation: t.validationCommands.map((c) => [...c]),
    })),
    anchor: { id: plan.anchor.id, text: plan.anchor.text, pivots: [...plan.anchor.pivots] },
    questions: questionsOf(plan.anchor),
    gaps: repo
      ? {
          reportId: repo.report.id,
          commit: repo.report.commit ?? null,
          summary: repo.report.summary,
          items: repo.report.gaps,
          proposal: repo.proposal
            ? {
                id: repo.proposal.id,
                title: repo.proposal.title,
                actions: repo.proposal.actions,
                droppedActions: repo.proposal.droppedActions ?? 0,
              }
            : null,
        }
      : null,
  };
}

function questionsOf(anchor: IntentionAnchor): { pivot: string; text: string }[] {
  return (anchor.questions ?? []).map((q) => ({ pivot: q.pivot, text: q.text }));
}
