import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { Count, Id, Text, Timestamp } from '../shared/primitives';
import { RiskLevel } from '../shared/risk';
import { StringEnum } from '../shared/string-enum';

export const GAP_KINDS = [
  'missing_requirement',
  'ambiguous_requirement',
  'contradiction',
  'unimplemented',
  'untested',
  'drift',
  'dependency',
] as const;
export const GapKind = StringEnum(GAP_KINDS, {
  description:
    'drift: the work departs from the intention anchor; dependency: a task order or input is missing',
});
export type GapKind = Static<typeof GapKind>;

/** Where a gap shows: a pointer a person can follow, never a copy of a whole file. */
export const GapEvidence = Type.Object(
  {
    kind: StringEnum(['blueprint_section', 'repo_path', 'plan_node', 'task', 'run', 'step'] as const, {
      description: 'What `ref` names',
    }),
    ref: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'Section id, repository path, plan node id, task id, run id or `<runId>/<seq>`',
    }),
    start: Type.Optional(Count('Start offset (blueprint) or line (repository file)')),
    end: Type.Optional(Count('End offset or line, exclusive')),
    excerpt: Type.Optional(Type.String({ maxLength: 500, description: 'A short quote, for display' })),
  },
  { description: 'A pointer to evidence' },
);
export type GapEvidence = Static<typeof GapEvidence>;

export const Gap = Type.Object(
  {
    id: Id('Gap id, unique within the report'),
    kind: GapKind,
    title: Text(300, 'One line'),
    detail: Type.String({ maxLength: 4000, description: 'What is missing or wrong, and why it matters' }),
    evidence: Type.Array(GapEvidence, { minItems: 1, maxItems: 50 }),
    risk: RiskLevel,
    blocking: Type.Boolean({
      description: 'True when dependent work should not run until the gap is closed',
    }),
    planNodeIds: Type.Optional(
      Type.Array(Id('Plan node'), { maxItems: 100, description: 'Plan nodes affected' }),
    ),
  },
  { description: 'One gap' },
);
export type Gap = Static<typeof Gap>;

export const GapReportCreatedV1 = defineMessage({
  kind: 'event',
  aggregate: 'gap_report',
  name: 'created',
  version: 1,
  producer: 'planner',
  consumers: ['gateway'],
  summary: 'A GapReport v1: where the plan, the code or a run falls short of the blueprint and its anchor.',
  data: Type.Object({
    id: Id('Gap report id'),
    formatVersion: Type.Literal(1, { description: 'GapReport format version' }),
    projectId: Id('Project'),
    planId: Id('Plan examined'),
    anchorId: Id('Intention anchor the plan was checked against'),
    blueprintId: Id('Blueprint'),
    blueprintVersion: Type.Integer({ minimum: 1 }),
    triggeredBy: Type.Optional(Id('Run id or event id that prompted the check, e.g. a run.finished')),
    summary: Type.String({ maxLength: 4000, description: 'The findings in a paragraph' }),
    gaps: Type.Array(Gap, { maxItems: 500 }),
    createdAt: Timestamp('When the report was made'),
  }),
});
export type GapReportCreatedV1 = Static<typeof GapReportCreatedV1.data>;
