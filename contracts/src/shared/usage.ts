import { Type, type Static } from '@sinclair/typebox';
import { Count } from './primitives';

/** LLM tokens used (OpenTelemetry GenAI input/output tokens). */
export const TokenUsage = Type.Object(
  {
    input: Count('Input (prompt) tokens'),
    output: Count('Output (completion) tokens'),
  },
  { description: 'LLM tokens used' },
);
export type TokenUsage = Static<typeof TokenUsage>;

/** What a run changed on its branch, against the commit it started from. */
export const DiffStats = Type.Object(
  {
    filesChanged: Count('Files added, modified or deleted'),
    insertions: Count('Lines added'),
    deletions: Count('Lines removed'),
  },
  { description: 'Size of the change against the base commit' },
);
export type DiffStats = Static<typeof DiffStats>;

/** The project's tests as the run last ran them. */
export const TestResults = Type.Object(
  {
    passed: Count('Tests that passed'),
    failed: Count('Tests that failed'),
    skipped: Type.Optional(Count('Tests skipped or pending')),
  },
  { description: 'Outcome of the last test run in the worktree' },
);
export type TestResults = Static<typeof TestResults>;
