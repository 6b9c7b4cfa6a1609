import { createHash } from 'node:crypto';
import { renderToolSchemaFiles } from '../generation/tool-schema-files';
import { defineTool } from './define-tool';
import { WORKER_TOOLS_V1 } from './worker-tools.v1';
import { Type } from '@sinclair/typebox';

// v1 is frozen (see worker-tools.v1.ts): the generated schemas of every v1 tool hash to this.
// An edit in place changes the hash; add worker-tools.v2.ts instead, with its own pin.
const V1_SHA256 = '884a10b0e4537b375e670a5c8829d0cc51033fd9b2098073dd0b7b2750b57ae9';

describe('worker tool contract v1', () => {
  it('names the tools of issue 15, in order', () => {
    expect(WORKER_TOOLS_V1.map((t) => t.name)).toEqual([
      'view_file',
      'list_files',
      'search',
      'create_file',
      'str_replace',
      'insert',
      'apply_patch',
      'run_command',
      'finish',
    ]);
    for (const tool of WORKER_TOOLS_V1) expect(tool.version).toBe(1);
  });

  it('takes the arguments of issue 15', () => {
    const args = Object.fromEntries(
      WORKER_TOOLS_V1.map((t) => [
        t.name,
        { all: Object.keys(t.parameters.properties), required: t.parameters.required ?? [] },
      ]),
    );
    expect(args).toEqual({
      view_file: { all: ['path', 'start_line', 'end_line'], required: ['path'] },
      list_files: { all: ['path', 'max_depth'], required: [] },
      search: { all: ['pattern', 'path', 'glob'], required: ['pattern'] },
      create_file: { all: ['path', 'content'], required: ['path', 'content'] },
      str_replace: { all: ['path', 'old_str', 'new_str'], required: ['path', 'old_str', 'new_str'] },
      insert: { all: ['path', 'line', 'text'], required: ['path', 'line', 'text'] },
      apply_patch: { all: ['patch'], required: ['patch'] },
      run_command: { all: ['argv', 'timeout_s'], required: ['argv'] },
      finish: { all: ['summary', 'confidence'], required: ['summary', 'confidence'] },
    });
  });

  it('is pinned: an edit of v1 in place fails here (add a version instead)', () => {
    const text = [...renderToolSchemaFiles(WORKER_TOOLS_V1)]
      .map(([path, body]) => `${path}\n${body}`)
      .join('');
    const digest = createHash('sha256').update(text).digest('hex');
    if (digest !== V1_SHA256) {
      throw new Error(
        `worker tool contract v1 changed (sha256 ${digest}); v1 is frozen: add worker-tools.v2.ts instead`,
      );
    }
  });

  it('refuses a tool whose arguments would accept unknown properties', () => {
    expect(() =>
      defineTool({
        name: 'loose',
        version: 1,
        description: 'x',
        parameters: Type.Object({ a: Type.String() }),
      }),
    ).toThrow(/additionalProperties: false/);
    expect(() =>
      defineTool({
        name: 'Bad-Name',
        version: 1,
        description: 'x',
        parameters: Type.Object({}, { additionalProperties: false }),
      }),
    ).toThrow(/must match/);
  });
});
