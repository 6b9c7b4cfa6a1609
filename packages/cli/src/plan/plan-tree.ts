import { inert } from '../terminal-text';
import type { PlanOutput } from './plan-output';

/**
 * The plan as people read it: nodes indented under their parent (kind, title, priority, risk), each
 * node's tasks under it with what they depend on, then the anchor, the open questions and the gaps.
 * Titles and text come from the user's documents: every line is made inert for the terminal.
 */
export function renderPlanTree(plan: PlanOutput): string {
  const lines: string[] = [];
  const { blueprint } = plan;
  lines.push(
    `blueprint ${blueprint.id} v${blueprint.version} (${blueprint.words} words, sha256 ${blueprint.digest.slice(0, 12)})`,
    `${plan.nodes.length} plan nodes, ${plan.tasks.length} tasks`,
    '',
  );

  const children = new Map<string | null, PlanOutput['nodes']>();
  for (const node of plan.nodes) {
    const siblings = children.get(node.parentId) ?? [];
    siblings.push(node);
    children.set(node.parentId, siblings);
  }
  const tasksByNode = new Map<string, PlanOutput['tasks']>();
  for (const task of plan.tasks) {
    const list = tasksByNode.get(task.planNodeId) ?? [];
    list.push(task);
    tasksByNode.set(task.planNodeId, list);
  }
  const taskTitle = new Map(plan.tasks.map((t) => [t.id, t.title]));

  // Iterative depth-first walk: a 1000-deep plan must not overflow the stack.
  const known = new Set(plan.nodes.map((n) => n.id));
  const roots = plan.nodes.filter((n) => n.parentId === null || !known.has(n.parentId));
  const stack = roots.map((node) => ({ node, depth: 0 })).reverse();
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    const indent = '  '.repeat(depth);
    lines.push(
      `${indent}- [${node.kind}] ${node.title}  (priority ${priorityText(node.priority)}, risk ${node.risk})`,
    );
    for (const task of tasksByNode.get(node.id) ?? []) {
      lines.push(`${indent}    task ${task.id} (${task.kind}): ${task.title}`);
      if (task.source) {
        const file = task.source.file !== null ? `${task.source.file}, ` : '';
        lines.push(`${indent}      from ${file}lines ${task.source.startLine}-${task.source.endLine}`);
      }
      if (task.why) lines.push(`${indent}      why: priority ${task.why.priority}; risk ${task.why.risk}`);
      if (task.dependsOn.length > 0) {
        const deps = task.dependsOn.map((id) => taskTitle.get(id) ?? id).join('; ');
        lines.push(`${indent}      depends on: ${deps}`);
      }
      for (const note of task.repoCheck?.notes ?? []) {
        lines.push(
          `${indent}      repository: ${REPO_NOTE[note.kind] ?? note.kind} \`${note.subject}\`: ${note.reason}`,
        );
      }
    }
    const kids = children.get(node.id) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i]!, depth: depth + 1 });
  }

  lines.push('', `anchor ${plan.anchor.id}:`, ...plan.anchor.text.split('\n').map((l) => `  ${l}`));
  if (plan.questions.length > 0) {
    lines.push('', 'open questions:', ...plan.questions.map((q) => `  - (${q.pivot}) ${q.text}`));
  }
  if (plan.gaps) {
    lines.push('', `gaps (report ${plan.gaps.reportId}): ${plan.gaps.summary}`);
    for (const gap of plan.gaps.items) {
      lines.push(`  - [${gap.kind}] ${gap.title}  (risk ${gap.risk}${gap.blocking ? ', blocking' : ''})`);
    }
    const proposal = plan.gaps.proposal;
    if (proposal) {
      lines.push(`proposal ${proposal.id}: ${proposal.title}`);
      for (const action of proposal.actions) lines.push(`  - [${action.approval}] ${action.summary}`);
    }
  }
  return `${lines.map(inert).join('\n')}\n`;
}

/** What each repository-check note did, as a person reads it. */
const REPO_NOTE: Readonly<Record<string, string>> = {
  scope_dropped: 'scope dropped',
  scope_unverified: 'scope unverified',
  validation_default: 'validation added',
  validation_unrunnable: 'validation cannot run',
};

/** Priority classes as the planner grades them (extract-signals.ts PRIORITY_CLASS), most urgent first. */
const PRIORITY_CLASSES = ['must', 'should', 'unmarked', 'could', 'later'];
/** The planner's priority number (class * 100000 + place among siblings) as people read it. */
function priorityText(priority: number): string {
  const name = PRIORITY_CLASSES[Math.floor(priority / 100_000)] ?? String(Math.floor(priority / 100_000));
  return `${name} #${(priority % 100_000) + 1}`;
}
