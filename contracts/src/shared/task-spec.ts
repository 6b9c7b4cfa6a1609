import { Type, type Static } from '@sinclair/typebox';
import { CommandArgv } from './command-argv';
import { CommitSha, Count, Id, Money, Text } from './primitives';
import { RiskLevel } from './risk';
import { StringEnum } from './string-enum';

export const TASK_KINDS = ['code', 'test', 'docs'] as const;
export const TaskKind = StringEnum(TASK_KINDS, { description: 'What the task produces' });
export type TaskKind = Static<typeof TaskKind>;

/** What checking a task against the scanned repository can say about it (`repoCheck.notes[].kind`). */
export const REPO_CHECK_NOTE_KINDS = [
  'scope_dropped',
  'scope_unverified',
  'validation_default',
  'validation_unrunnable',
] as const;
export type RepoCheckNoteKind = (typeof REPO_CHECK_NOTE_KINDS)[number];

/**
 * The fields of a task as the planner specifies it. Exported as a property map so the manager's
 * task state (`task.updated`) extends it without `allOf`, which would defeat additionalProperties
 * checks and make readers merge schemas.
 */
export const taskSpecProperties = {
  id: Id('Task id, unique within the project'),
  title: Text(300, 'One line saying what the task delivers'),
  description: Type.Optional(Type.String({ maxLength: 20_000, description: 'What to do, in Markdown' })),
  kind: TaskKind,
  planNodeId: Id('The task_spec plan node this task implements'),
  dependsOn: Type.Array(Id('A task that must succeed first'), {
    maxItems: 500,
    uniqueItems: true,
    description: 'Task ids that must all have succeeded before this task is ready',
  }),
  scopePaths: Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
    maxItems: 500,
    description: 'Globs, relative to the repository root, the run may write; everything else is read-only',
  }),
  validationCommands: Type.Array(CommandArgv, {
    maxItems: 50,
    description: 'Commands that must exit 0 for the task to succeed, run in order in the worktree',
  }),
  acceptanceCriteria: Type.Optional(
    Type.Array(Text(2000, 'One checkable criterion'), {
      maxItems: 100,
      description: 'What a reviewer checks',
    }),
  ),
  priority: Type.Optional(Count('Lower runs first among ready tasks; default 100')),
  risk: Type.Optional(RiskLevel),
  estimateUsd: Type.Optional(Money('Planner estimate of one run')),
  deliverables: Type.Optional(
    Type.Array(Text(2000, 'One thing the task delivers, as the blueprint states it'), {
      maxItems: 100,
      description: 'What the task delivers (issue 17): the items its section lists as work',
    }),
  ),
  source: Type.Optional(
    Type.Object(
      {
        file: Type.Optional(
          Type.String({
            maxLength: 4096,
            description: 'The blueprint file, for a blueprint of several files',
          }),
        ),
        startLine: Type.Integer({
          minimum: 1,
          description: 'First line of the section (1-based, in its file)',
        }),
        endLine: Type.Integer({ minimum: 1, description: 'Last line of the section, inclusive' }),
      },
      { description: 'Where in the blueprint the task is written' },
    ),
  ),
  why: Type.Optional(
    Type.Object(
      {
        priority: Text(300, 'Why the task has its priority'),
        risk: Text(300, 'Why the task has its risk'),
      },
      { description: 'The reasons for the priority and risk the rules gave' },
    ),
  ),
  // Since issue 15: steps a task spells out, run as written by the worker, with no model and no cost.
  steps: Type.Optional(
    Type.Array(
      Type.Union([
        Type.Object({ command: CommandArgv }, { additionalProperties: false }),
        Type.Object(
          { patch: Type.String({ minLength: 1, maxLength: 1_000_000, description: 'A unified diff' }) },
          { additionalProperties: false },
        ),
      ]),
      {
        minItems: 1,
        maxItems: 100,
        description:
          'Explicit steps, in order: {command: argv} or {patch: unified diff}; each still judged by governance',
      },
    ),
  ),
  // Since issue 17: with a scanned repository, the planner checks scope and validation against it.
  repoCheck: Type.Optional(
    Type.Object(
      {
        commit: CommitSha('The commit of the repository scan the task was checked against'),
        notes: Type.Array(
          Type.Object({
            kind: StringEnum(REPO_CHECK_NOTE_KINDS, {
              description:
                'scope_dropped: a scope path that names no file and is not in the repository, nor its folder; ' +
                'scope_unverified: kept, though the repository could not confirm it (the scan listed too few ' +
                'files, or it is a new file or folder in folders not there yet); validation_default: the ' +
                "repository's own checks, as the blueprint gave none; validation_unrunnable: a blueprint " +
                'command the repository cannot run as it stands (kept)',
            }),
            subject: Type.String({
              minLength: 1,
              maxLength: 1024,
              description: 'The scope path, or the command with its arguments joined by spaces',
            }),
            reason: Text(500, 'Why, in words a person can act on'),
          }),
          { maxItems: 100, description: 'What the check changed or doubts; empty when all was in order' },
        ),
      },
      { description: "The task's scope and validation checked against the project's scanned repository" },
    ),
  ),
  gate: Type.Optional(
    Type.Boolean({
      description:
        'A checkpoint with no work of its own: done once its dependencies succeeded. The planner adds one ' +
        'when many tasks depend on a large phase or epic, so the graph keeps a linear number of edges',
    }),
  ),
};

export const TaskSpec = Type.Object(taskSpecProperties, {
  description: 'A task as the planner specifies it',
});
export type TaskSpec = Static<typeof TaskSpec>;
