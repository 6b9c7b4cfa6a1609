import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../define-message';
import { CommitSha, Count, Id, Text, Timestamp } from '../shared/primitives';
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
  // Found by the read-only repository gap scanner (@since issue 3).
  'doc_drift',
  'missing_tests',
  'missing_test_command',
  'tests_not_run',
  'protected_path_violation',
  'root_clutter',
  'stray_files',
  'lockfile_drift',
  'large_binary',
  'missing_license',
  'missing_readme',
] as const;
export const GapKind = StringEnum(GAP_KINDS, {
  description:
    'drift: the work departs from the intention anchor; dependency: a task order or input is missing; ' +
    'doc_drift: the README names scripts or paths the repository lacks, or scripts go undocumented; ' +
    'missing_tests / missing_test_command: code without tests, a toolchain without a test command; ' +
    'protected_path_violation: a secrets file is committed; lockfile_drift: no lockfile, two, or the wrong one',
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
      description:
        'True when dependent work should not run until the gap is closed; for a repository gap, ' +
        'autopilot must not run on the repository until it is',
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
    id: Id('Gap report id; repository reports derive it from the commit and the findings'),
    formatVersion: Type.Literal(1, { description: 'GapReport format version' }),
    projectId: Id('Project'),
    // Optional since issue 3: a repository scan examines no plan and checks against no anchor.
    planId: Type.Optional(Id('Plan examined')),
    anchorId: Type.Optional(Id('Intention anchor the plan was checked against')),
    blueprintId: Type.Optional(Id('Blueprint')),
    blueprintVersion: Type.Optional(Type.Integer({ minimum: 1 })),
    triggeredBy: Type.Optional(Id('Run id or event id that prompted the check, e.g. a run.finished')),
    scope: Type.Optional(
      StringEnum(['plan', 'repo'] as const, {
        description: 'What was examined: the plan against its blueprint, or a repository (read-only)',
      }),
    ),
    commit: Type.Optional(CommitSha('Repository reports: the commit whose tree was scanned')),
    summary: Type.String({ maxLength: 4000, description: 'The findings in a paragraph' }),
    // Optional since issue 12: a client waiting for the end of a repository scan knows what follows.
    proposalId: Type.Optional(
      Id(
        'The plan proposal answering this report: a plan_proposal.created with this id follows for the ' +
          'same job. Absent: no proposal follows (no gap calls for an action, or no intention anchor yet)',
      ),
    ),
    gaps: Type.Array(Gap, {
      maxItems: 500,
      description: 'Sorted: blocking first, then by risk, kind and id; the same state gives the same list',
    }),
    createdAt: Timestamp('When the report was made; not part of the id, which follows the findings'),
  }),
});
export type GapReportCreatedV1 = Static<typeof GapReportCreatedV1.data>;
