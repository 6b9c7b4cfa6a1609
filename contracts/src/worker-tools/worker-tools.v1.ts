import { Type, type Static } from '@sinclair/typebox';
import { CommandArgv } from '../shared/command-argv';
import { defineTool, type ToolDef } from './define-tool';

/**
 * The worker's tool contract, version 1: what the model may call while it works in a run's
 * worktree (issue 15). Recorded sessions, users' scripted models and later worker versions depend
 * on these names, descriptions and argument schemas, so v1 is frozen: any change, even a reworded
 * description or a new optional argument, adds `worker-tools.v2.ts` next to this file (and a v2
 * pin in the test) instead of editing v1. `worker-tools.v1.test.ts` pins v1's generated schemas
 * and fails on an edit in place.
 *
 * Paths are relative to the worktree root; absolute paths, `..` escapes, symlinks pointing out of
 * the worktree and anything under `.git` are refused by the worker.
 */

/** The maximum number of lines one `view_file` call shows. */
export const VIEW_FILE_MAX_LINES_V1 = 200;

const RelativePath = (description: string) => Type.String({ minLength: 1, maxLength: 4096, description });

const FILE_PATH = 'File path relative to the worktree root, e.g. "src/index.ts".';
const TEXT_LIMIT = 1_000_000;

export const ViewFileV1 = defineTool({
  name: 'view_file',
  version: 1,
  description:
    `Shows a text file with numbered lines, at most ${VIEW_FILE_MAX_LINES_V1} lines per call, and the file's ` +
    'total line count. Page through a longer file with start_line and end_line.',
  parameters: Type.Object(
    {
      path: RelativePath(FILE_PATH),
      start_line: Type.Optional(
        Type.Integer({ minimum: 1, description: 'First line to show (1-based). Default 1.' }),
      ),
      end_line: Type.Optional(
        Type.Integer({
          minimum: 1,
          description: `Last line to show, inclusive. Default: start_line + ${VIEW_FILE_MAX_LINES_V1 - 1}.`,
        }),
      ),
    },
    { additionalProperties: false },
  ),
});
export type ViewFileArgsV1 = Static<typeof ViewFileV1.parameters>;

export const ListFilesV1 = defineTool({
  name: 'list_files',
  version: 1,
  description:
    'Lists the files of the worktree (tracked and untracked; files ignored by .gitignore are left out), ' +
    'capped. Directories deeper than max_depth are shown once with the number of files in them.',
  parameters: Type.Object(
    {
      path: Type.Optional(
        RelativePath('Directory to list, relative to the worktree root. Default: the whole worktree.'),
      ),
      max_depth: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: 50,
          description: 'How many directory levels below path to list file by file. Default: all.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
});
export type ListFilesArgsV1 = Static<typeof ListFilesV1.parameters>;

export const SearchV1 = defineTool({
  name: 'search',
  version: 1,
  description:
    'Searches the contents of the worktree files (.gitignore honoured) with a regular expression in ' +
    'JavaScript syntax, case-sensitive, matched line by line. Answers `file:line: text` lines, capped, ' +
    'with the total number of matches.',
  parameters: Type.Object(
    {
      pattern: Type.String({
        minLength: 1,
        maxLength: 1000,
        description: 'Regular expression (JavaScript syntax), e.g. "export (async )?function".',
      }),
      path: Type.Optional(
        RelativePath('File or directory to search, relative to the worktree root. Default: everywhere.'),
      ),
      glob: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 500,
          description:
            'Only files matching this glob, e.g. "*.ts" (a glob without "/" matches file names) or "src/**/*.test.ts".',
        }),
      ),
    },
    { additionalProperties: false },
  ),
});
export type SearchArgsV1 = Static<typeof SearchV1.parameters>;

export const CreateFileV1 = defineTool({
  name: 'create_file',
  version: 1,
  description:
    'Creates a new file with the given content (and its missing parent directories). Refuses to ' +
    'overwrite an existing file: edit one with str_replace, insert or apply_patch.',
  parameters: Type.Object(
    {
      path: RelativePath(FILE_PATH),
      content: Type.String({ maxLength: TEXT_LIMIT, description: 'The whole content of the new file.' }),
    },
    { additionalProperties: false },
  ),
});
export type CreateFileArgsV1 = Static<typeof CreateFileV1.parameters>;

export const StrReplaceV1 = defineTool({
  name: 'str_replace',
  version: 1,
  description:
    'Replaces old_str with new_str in a file. old_str must occur exactly once, whitespace included; ' +
    'otherwise nothing changes and the answer says how many times it occurs (add context to make it unique).',
  parameters: Type.Object(
    {
      path: RelativePath(FILE_PATH),
      old_str: Type.String({ minLength: 1, maxLength: TEXT_LIMIT, description: 'Exact text to replace.' }),
      new_str: Type.String({ maxLength: TEXT_LIMIT, description: 'Replacement text (may be empty).' }),
    },
    { additionalProperties: false },
  ),
});
export type StrReplaceArgsV1 = Static<typeof StrReplaceV1.parameters>;

export const InsertV1 = defineTool({
  name: 'insert',
  version: 1,
  description: 'Inserts text into a file after line `line` (0 inserts at the top).',
  parameters: Type.Object(
    {
      path: RelativePath(FILE_PATH),
      line: Type.Integer({
        minimum: 0,
        description: 'The line after which text goes, 1-based; 0 for the top of the file.',
      }),
      text: Type.String({
        minLength: 1,
        maxLength: TEXT_LIMIT,
        description: 'Text to insert, one or more lines.',
      }),
    },
    { additionalProperties: false },
  ),
});
export type InsertArgsV1 = Static<typeof InsertV1.parameters>;

export const ApplyPatchV1 = defineTool({
  name: 'apply_patch',
  version: 1,
  description:
    'Applies a unified diff (as `git diff` writes it, paths prefixed a/ and b/) to the worktree. The ' +
    'patch is checked first; if any hunk does not apply, nothing is written and the answer says why.',
  parameters: Type.Object(
    {
      patch: Type.String({ minLength: 1, maxLength: TEXT_LIMIT, description: 'The unified diff.' }),
    },
    { additionalProperties: false },
  ),
});
export type ApplyPatchArgsV1 = Static<typeof ApplyPatchV1.parameters>;

export const RunCommandV1 = defineTool({
  name: 'run_command',
  version: 1,
  description:
    'Runs a command in the worktree root, without a shell: argv only, so no pipes, redirects, ' +
    '`&&` or variable expansion. Answers the exit code and the (capped) output.',
  parameters: Type.Object(
    {
      argv: CommandArgv,
      timeout_s: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 3600, description: 'Seconds before the command is killed.' }),
      ),
    },
    { additionalProperties: false },
  ),
});
export type RunCommandArgsV1 = Static<typeof RunCommandV1.parameters>;

export const FinishV1 = defineTool({
  name: 'finish',
  version: 1,
  description:
    'Claims the task is done. The claim is checked afterwards (build, tests, scope), so call it only ' +
    'when the work is complete and verified.',
  parameters: Type.Object(
    {
      summary: Type.String({
        minLength: 1,
        maxLength: 10_000,
        description: 'What was changed and how it was verified.',
      }),
      confidence: Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'How sure you are that the task is done correctly, from 0 to 1.',
      }),
    },
    { additionalProperties: false },
  ),
});
export type FinishArgsV1 = Static<typeof FinishV1.parameters>;

/** Every tool of v1, in the order the model is shown them. */
export const WORKER_TOOLS_V1: readonly ToolDef[] = [
  ViewFileV1,
  ListFilesV1,
  SearchV1,
  CreateFileV1,
  StrReplaceV1,
  InsertV1,
  ApplyPatchV1,
  RunCommandV1,
  FinishV1,
];

/** The names of v1's tools. */
export type WorkerToolNameV1 =
  | 'view_file'
  | 'list_files'
  | 'search'
  | 'create_file'
  | 'str_replace'
  | 'insert'
  | 'apply_patch'
  | 'run_command'
  | 'finish';
