import type {
  IntentionAnchor,
  PlanGeneratedV1,
  PlanNode,
  TaskSpec,
  TasksGeneratedV1,
} from '@autopilot/contracts';

/** Which plan revision an announcement is of. */
export interface PlanRevisionFacts {
  readonly planId: string;
  readonly projectId: string;
  readonly blueprintId: string;
  readonly blueprintVersion: number;
  readonly revision: number;
  readonly anchor: IntentionAnchor;
  readonly generatedAt: string;
}

/**
 * The `plan.generated` and `tasks.generated` payloads of one plan revision: one shape whether the
 * revision came from a blueprint version or from checking the plan against a repository scan.
 */
export function planAnnouncement(
  facts: PlanRevisionFacts,
  nodes: readonly PlanNode[],
  tasks: readonly TaskSpec[],
): { plan: PlanGeneratedV1; tasks: TasksGeneratedV1 } {
  const { planId, projectId, blueprintId, blueprintVersion, revision, anchor, generatedAt } = facts;
  const source = { projectId, blueprintId, blueprintVersion };
  return {
    plan: { planId, ...source, nodes: [...nodes], anchor, generatedAt, revision },
    tasks: {
      ...source,
      planId,
      planRevision: revision,
      anchorId: anchor.id,
      anchor: {
        id: anchor.id,
        formatVersion: anchor.formatVersion,
        text: anchor.text,
        pivots: anchor.pivots,
      },
      tasks: [...tasks],
      generatedAt,
    },
  };
}
