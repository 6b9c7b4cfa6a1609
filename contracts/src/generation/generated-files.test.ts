import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { messages } from '../registry';
import { ASYNCAPI_FILE } from './asyncapi-document';
import { WORKER_TOOLS, renderGeneratedFiles } from './generated-files';
import { JSON_SCHEMA_DIALECT, SCHEMA_DIR } from './json-schema-files';

const contractsDir = resolve(__dirname, '..', '..');
const STALE = 'contracts/ generated files are stale: run `npm run generate` and commit the result';

const readIfPresent = (path: string): string | undefined => {
  try {
    return readFileSync(join(contractsDir, path), 'utf8');
  } catch {
    return undefined;
  }
};

describe('generated files', () => {
  const rendered = renderGeneratedFiles();

  it('match the checked-in schemas and AsyncAPI document byte for byte', () => {
    const stale = [...rendered].filter(([path, text]) => readIfPresent(path) !== text).map(([path]) => path);
    if (stale.length > 0) throw new Error(`${STALE}. Differing or missing: ${stale.join(', ')}`);
  });

  it('leave no schema file behind that no message produces', () => {
    const onDisk = readdirSync(join(contractsDir, SCHEMA_DIR)).map((name) => `${SCHEMA_DIR}/${name}`);
    const extra = onDisk.filter((path) => !rendered.has(path));
    if (extra.length > 0) throw new Error(`${STALE}. Not generated any more: ${extra.join(', ')}`);
  });

  it('render the same bytes every time, sorted by path, ending in a newline', () => {
    const again = renderGeneratedFiles();
    expect([...again]).toEqual([...rendered]);
    const paths = [...rendered.keys()];
    expect(paths).toEqual([...paths].sort());
    for (const text of rendered.values()) expect(text.endsWith('\n')).toBe(true);
  });

  it('write one schema per payload, one per reply, the envelope, the bus shapes, the worker tools and the AsyncAPI document', () => {
    const requests = messages.filter((m) => m.kind === 'request').length;
    // + envelope, dead letter, reply wire format, asyncapi.yaml, one per worker tool
    expect(rendered.size).toBe(messages.length + requests + 4 + WORKER_TOOLS.length);
    expect(rendered.has(`${SCHEMA_DIR}/dead-letter.json`)).toBe(true);
    expect(rendered.has(`${SCHEMA_DIR}/reply-wire.json`)).toBe(true);
    expect(rendered.has(ASYNCAPI_FILE)).toBe(true);
    for (const m of messages) expect(rendered.has(`${SCHEMA_DIR}/${m.subject}.json`)).toBe(true);
  });

  it('are valid draft-07 schemas with $id, title and description, that compile in strict ajv', () => {
    // A fresh strict instance: unknown keywords or a malformed schema fail here, not in an integration.
    const ajv = new Ajv({ strict: true, strictTypes: false, allErrors: true });
    addFormats(ajv);
    for (const [path, text] of rendered) {
      if (!path.endsWith('.json')) continue;
      const schema = JSON.parse(text) as Record<string, unknown>;
      expect({ path, $schema: schema['$schema'] }).toEqual({ path, $schema: JSON_SCHEMA_DIALECT });
      for (const key of ['$id', 'title', 'description'])
        expect({ path, key, type: typeof schema[key] }).toEqual({ path, key, type: 'string' });
      expect(() => ajv.compile(schema)).not.toThrow();
    }
  });
});
