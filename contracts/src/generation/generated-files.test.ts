import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { messages } from '../registry';
import { ASYNCAPI_FILE } from './asyncapi-document';
import { WORKER_TOOLS, renderGeneratedFiles } from './generated-files';
import { JSON_SCHEMA_DIALECT, SCHEMA_DIR } from './json-schema-files';
import { VALIDATOR_DIR, precompiledValidator } from '../precompiled-validators';
import { samplePayloads } from '../test-support/sample-payloads';
import { precompiledSchemas } from './validator-modules';

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

  it('leave no schema or validator file behind that no message produces', () => {
    const onDisk = [SCHEMA_DIR, VALIDATOR_DIR].flatMap((dir) =>
      readdirSync(join(contractsDir, dir)).map((name) => `${dir}/${name}`),
    );
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
    const schemas = [...rendered.keys()].filter((path) => !path.startsWith(`${VALIDATOR_DIR}/`));
    // + envelope, dead letter, reply wire format, asyncapi.yaml, one per worker tool
    expect(schemas.length).toBe(messages.length + requests + 4 + WORKER_TOOLS.length);
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

describe('precompiled validators', () => {
  const schemas = precompiledSchemas(messages, WORKER_TOOLS);

  it('exist for every payload, reply, the envelope and every worker tool', () => {
    const missing = schemas.filter((schema) => precompiledValidator(schema) === undefined);
    expect(missing.map((s) => s.$id ?? s.title ?? '?')).toEqual([]);
  });

  it('judge values as a validator compiled at run time does, valid and broken', () => {
    const ajv = new Ajv({ strict: false, unicode: false });
    addFormats(ajv);
    let judged = 0;
    const cases = samplePayloads.flatMap(({ def, payload, reply }) => [
      { schema: def.data, type: def.type, value: payload as Record<string, unknown> },
      ...(def.reply && reply !== undefined
        ? [{ schema: def.reply, type: `${def.type} reply`, value: reply as Record<string, unknown> }]
        : []),
    ]);
    for (const { schema, type, value: sample } of cases) {
      const precompiled = precompiledValidator(schema)!;
      const { $id: _id, ...given } = schema as typeof schema & { $id?: string };
      const runtime = ajv.compile(given);
      // The sample, and copies broken at the top: a field dropped, a field of the wrong type.
      const broken = Object.keys(sample).flatMap((key) => {
        const { [key]: _dropped, ...without } = sample;
        return [without, { ...sample, [key]: Symbol('not json') }];
      });
      expect({ type, valid: precompiled(sample) }).toEqual({ type, valid: true });
      for (const value of broken) {
        expect({ type, value, valid: precompiled(value) }).toEqual({ type, value, valid: runtime(value) });
        judged++;
      }
    }
    expect(judged).toBeGreaterThan(100);
  });
});
