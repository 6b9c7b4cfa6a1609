import { Type, type Static } from '@sinclair/typebox';
import { Count, Id, Text } from './primitives';
import { RiskLevel } from './risk';
import { StringEnum } from './string-enum';

export const PLAN_NODE_KINDS = ['phase', 'epic', 'feature', 'story', 'task_spec'] as const;
export const PlanNodeKind = StringEnum(PLAN_NODE_KINDS, {
  description: 'Level in the plan tree, outermost first; task_spec nodes become tasks',
});
export type PlanNodeKind = Static<typeof PlanNodeKind>;

export const PLAN_NODE_STATUSES = ['planned', 'in_progress', 'done', 'dropped'] as const;
export const PlanNodeStatus = StringEnum(PLAN_NODE_STATUSES, { description: 'Where the node stands' });
export type PlanNodeStatus = Static<typeof PlanNodeStatus>;

export const PLAN_NODE_ORIGINS = ['rules', 'llm'] as const;
export type PlanNodeOrigin = (typeof PLAN_NODE_ORIGINS)[number];

/**
 * One node of the plan graph, tied to the part of the blueprint it comes from. Kept flat (parentId,
 * not nesting) so the schema has no recursion and a 500k-word plan needs no deep validation.
 */
export const PlanNode = Type.Object(
  {
    id: Id('Plan node id, stable across plan versions when the node is unchanged'),
    kind: PlanNodeKind,
    title: Text(300, 'Node title'),
    parentId: Type.Optional(Id('Parent node; absent for top-level phases')),
    start: Count(
      'Start offset of the blueprint text this node comes from, in UTF-16 code units (JavaScript string indexes)',
    ),
    end: Count('End offset (exclusive) of that text, in UTF-16 code units'),
    file: Type.Optional(
      Type.String({
        maxLength: 4096,
        description: 'The file the node is in, for a blueprint of several files',
      }),
    ),
    startLine: Type.Optional(
      Type.Integer({ minimum: 1, description: 'First line of the node (1-based, in its file)' }),
    ),
    endLine: Type.Optional(Type.Integer({ minimum: 1, description: 'Last line of the node, inclusive' })),
    priority: Count('Lower comes first among siblings'),
    risk: RiskLevel,
    status: PlanNodeStatus,
    sectionId: Type.Optional(Id('Blueprint section the node comes from (stable while its heading path is)')),
    dependsOn: Type.Optional(
      Type.Array(Id('A plan node that must be done first'), {
        maxItems: 500,
        uniqueItems: true,
        description: 'Plan nodes this node depends on: stated ("depends on", "after", tables) or phase order',
      }),
    ),
    externalDependencies: Type.Optional(
      Type.Array(Text(300, 'A dependency outside the plan, as written'), {
        maxItems: 50,
        description: 'Dependencies the blueprint names outside this plan (other teams, vendors, tickets)',
      }),
    ),
    taskIds: Type.Optional(
      Type.Array(Id('A task that implements this node'), {
        maxItems: 500,
        uniqueItems: true,
        description: 'Tasks made from this node: the link back from the task graph (task.planNodeId)',
      }),
    ),
    ambiguity: Type.Optional(
      Text(300, 'Why the rules could not settle this node; absent once settled (by rules or the model)'),
    ),
    origin: Type.Optional(
      StringEnum(PLAN_NODE_ORIGINS, {
        description: 'Who decided the node: the deterministic rules, or the model refining an ambiguous node',
      }),
    ),
  },
  { description: 'A node of the plan graph' },
);
export type PlanNode = Static<typeof PlanNode>;
