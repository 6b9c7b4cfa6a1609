import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { schemaKey } from './ajv-instance';

/**
 * The validators `npm run generate` compiled ahead of time (contracts/validators/, one module per
 * schema, named by `schemaKey`): a process that checks a value of a type loads its validator instead
 * of compiling it with ajv on that first value, which cost 10-30 ms per message type on the way of
 * the message (a re-plan's first v2 events, a first plan's v1 events, every CLI run). A schema with
 * no module (changed since the last generate; the staleness test says so) is compiled as before.
 */
export const VALIDATOR_DIR = 'validators';

/** The module file of a schema's validator, relative to `contracts/`. */
export const validatorFile = (schema: TSchema): string => `${VALIDATOR_DIR}/${schemaKey(schema)}.js`;

let validatorDir: string | undefined;

/** contracts/validators/: found from here, whether this runs compiled (dist/src/) or as source (src/). */
function validatorsDirectory(): string {
  if (validatorDir === undefined) {
    let dir = __dirname;
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    validatorDir = join(dir, VALIDATOR_DIR);
  }
  return validatorDir;
}

/** The precompiled validator of `schema`, or undefined when there is none for it as it is now. */
export function precompiledValidator(schema: TSchema): ValidateFunction | undefined {
  const file = join(validatorsDirectory(), `${schemaKey(schema)}.js`);
  if (!existsSync(file)) return undefined;
  // Generated code, checked by the staleness test: a CommonJS module exporting the validate function.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as ValidateFunction;
}
