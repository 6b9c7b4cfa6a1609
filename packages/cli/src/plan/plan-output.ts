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
    /** The file of a blueprint of several files, else null. */
    file: string | null;
    /** 1-based, inclusive lines in that file (or the one blueprint file). */
    startLine: number | null;
    endLine: number | null;
    /** Offsets into the blueprint text in Unicode code points (not UTF-16 units), [start, end). */
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
    /** What to do: where it comes from, the section's text (capped), deliverables, validation, reasons. */
    description: string;
    deliverables: string[];
    acceptanceCriteria: string[];
    source: { file: string | null; startLine: number; endLine: number } | null;
    priority: number;
    risk: RiskLevel;
    why: { priority: string; risk: string } | null;
    /** With `--repo`: the task checked against the scanned repository; null without. */
    repoCheck: { commit: string; notes: { kind: string; subject: string; reason: string }[] } | null;
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

export function planOutput(report: PlanReport, text?: string): PlanOutput {
  const { blueprint, plan, tasks, repo } = report;
  const codePoint = codePointOffsets(text);
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
      file: n.file ?? null,
      startLine: n.startLine ?? null,
      endLine: n.endLine ?? null,
      start: codePoint(n.start),
      end: codePoint(n.end),
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
      description: t.description ?? '',
      deliverables: [...(t.deliverables ?? [])],
      acceptanceCriteria: [...(t.acceptanceCriteria ?? [])],
      source: t.source
        ? { file: t.source.file ?? null, startLine: t.source.startLine, endLine: t.source.endLine }
        : null,
      priority: t.priority ?? 100,
      risk: t.risk ?? 'low',
      why: t.why ? { priority: t.why.priority, risk: t.why.risk } : null,
      repoCheck: t.repoCheck
        ? {
            commit: t.repoCheck.commit,
            notes: t.repoCheck.notes.map((n) => ({ kind: n.kind, subject: n.subject, reason: n.reason })),
          }
        : null,
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

/**
 * UTF-16 offsets (JavaScript string indexes, what the services carry) to code points, so a reader
 * in any language can index the blueprint: 😀 is one code point, two UTF-16 units.
 */
function codePointOffsets(text: string | undefined): (offset: number) => number {
  if (text === undefined || !/[\uD800-\uDBFF]/.test(text)) return (offset) => offset;
  const pairsBefore: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) pairsBefore.push(i + 1);
  }
  return (offset) => {
    let lo = 0;
    let hi = pairsBefore.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairsBefore[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return offset - lo;
  };
}

function questionsOf(anchor: IntentionAnchor): { pivot: string; text: string }[] {
  return (anchor.questions ?? []).map((q) => ({ pivot: q.pivot, text: q.text }));
}
