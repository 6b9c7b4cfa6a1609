import { readToolCall } from './tool-arguments';
import { WORKER_TOOLS_V1 } from './worker-tools.v1';

const read = (name: string, raw: string) => readToolCall(WORKER_TOOLS_V1, name, raw);
const errorOf = (name: string, raw: string): string => {
  const r = read(name, raw);
  if (r.ok) throw new Error(`expected an error for ${name} ${raw}`);
  return r.error;
};

describe('readToolCall', () => {
  it('reads a valid call', () => {
    const r = read('view_file', '{"path":"src/a.ts","start_line":10}');
    expect(r).toEqual({
      ok: true,
      tool: expect.objectContaining({ name: 'view_file' }) as unknown,
      arguments: { path: 'src/a.ts', start_line: 10 },
    });
  });

  it('reads empty arguments as {}', () => {
    expect(read('list_files', '').ok).toBe(true);
  });

  it('answers an unknown tool with the list of tools', () => {
    expect(errorOf('delete_everything', '{}')).toBe(
      'unknown tool "delete_everything"; the tools are: view_file, list_files, search, create_file, str_replace, insert, apply_patch, run_command, finish',
    );
  });

  it('answers malformed JSON and a non-object', () => {
    expect(errorOf('view_file', '{"path": "a.ts"')).toMatch(
      /^the arguments of view_file are not valid JSON \(.+\); send one JSON object$/,
    );
    expect(errorOf('view_file', '["a.ts"]')).toBe(
      'the arguments of view_file must be one JSON object, not an array',
    );
    expect(errorOf('view_file', 'null')).toBe('the arguments of view_file must be one JSON object, not null');
  });

  it('names each broken rule, unknown arguments included', () => {
    expect(errorOf('view_file', '{"pth":"a.ts","start_line":0}')).toBe(
      'invalid arguments for view_file: path is required; "pth" is not an argument of view_file; start_line must be >= 1 (arguments: path, start_line, end_line)',
    );
    expect(errorOf('run_command', '{"argv":["npm", 3]}')).toMatch(/argv\[1\] must be string/);
    expect(errorOf('run_command', '{"argv":"npm test"}')).toMatch(/argv must be array/);
  });

  it('keeps finish confidence within 0..1', () => {
    expect(errorOf('finish', '{"summary":"done","confidence":1.5}')).toMatch(/confidence must be <= 1/);
    expect(read('finish', '{"summary":"done","confidence":0.8}').ok).toBe(true);
  });
});
