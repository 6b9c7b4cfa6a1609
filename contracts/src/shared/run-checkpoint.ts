import { Type, type Static } from '@sinclair/typebox';
import { CommitSha, Count } from './primitives';

/**
 * Where a suspended run left off (DESIGN.md section 5): its worktree state as a commit on the run
 * branch, and its last step, so a later dispatch on any worker resumes from there.
 */
export const RunCheckpoint = Type.Object(
  {
    commit: CommitSha('Checkpoint commit on the run branch holding the worktree state'),
    lastStepSeq: Count('Last recorded step; the resumed run continues at lastStepSeq + 1'),
  },
  { description: 'Where a suspended run resumes' },
);
export type RunCheckpoint = Static<typeof RunCheckpoint>;
