import { Type, type Static } from '@sinclair/typebox';

/** A command as argv: commands run without a shell (DESIGN.md section 6), so there is no string to parse. */
export const CommandArgv = Type.Array(Type.String({ maxLength: 4096 }), {
  minItems: 1,
  maxItems: 256,
  description: 'Program and arguments, run without a shell: ["npm", "test"]',
});
export type CommandArgv = Static<typeof CommandArgv>;
