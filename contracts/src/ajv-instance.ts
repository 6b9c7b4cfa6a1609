import Ajv, { _ as ajvCode } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { sha256Hex } from '@autopilot/kernel';

// unicode: false counts string lengths in UTF-16 code units, as JavaScript and our offsets do (and as
// TypeBox's own checker does); counting code points walked the whole 3 MB blueprint text on every
// validation, a tenth of a large blueprint's ingest time.
// Ajv 8 marks the option deprecated (and says so on stderr, which CLI users would read); the
// behaviour is supported and is the one we want, so that one notice is dropped.
//
// A schema compiled at run time is compiled on the first value of its type a process checks, on the
// way of that message; most are not (precompiled-validators.ts). For those that are, two defaults
// are dropped. Checking each schema against the JSON Schema meta-schema at compile: the schemas are
// ours, and validate.test.ts checks every one of them against it once. The optimising pass over the
// generated code: it halves compile time and checks the same (the validators run as fast without it).
export function newAjv(allErrors: boolean, options: { source?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors,
    strict: false,
    unicode: false,
    validateSchema: false,
    code: options.source
      ? // Standalone code: the formats come from ajv-formats where the module is loaded.
        { source: true, formats: ajvCode`require("ajv-formats/dist/formats").fullFormats` }
      : { optimize: false },
    logger: {
      log: (...args: unknown[]) => console.log(...args),
      warn: (...args: unknown[]) => {
        if (!String(args[0]).startsWith('DEPRECATED: option unicode')) console.warn(...args);
      },
      error: (...args: unknown[]) => console.error(...args),
    },
  });
  addFormats(ajv);
  return ajv;
}

/** A schema as ajv is given it: without `$id`, which would make ajv refuse a second compile of an equal schema. */
export function withoutId(schema: TSchema): TSchema {
  const { $id: _ignored, ...rest } = schema as TSchema & { $id?: string };
  return rest as TSchema;
}

/** What names a schema's precompiled validator: a hash of the schema as ajv is given it. */
export function schemaKey(schema: TSchema): string {
  return sha256Hex(JSON.stringify(withoutId(schema))).slice(0, 24);
}
