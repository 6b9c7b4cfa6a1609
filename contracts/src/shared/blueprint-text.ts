import { Type, type Static } from '@sinclair/typebox';

/**
 * A blueprint's text, carried whole. DESIGN.md section 2 sizes blueprints at up to ~500k words
 * (about 3 MB), past NATS's default 1 MB max_payload; the JetStream adapter claim-checks such
 * messages (object store), so the cap is not the bus's. 16 Mi characters holds the ingestion
 * service's default 8 MiB byte limit of any text (a UTF-8 byte is at most one UTF-16 unit).
 */
export const BlueprintText = Type.String({
  minLength: 1,
  maxLength: 16 * 1024 * 1024,
  description:
    'The full blueprint text (Markdown); offsets elsewhere count characters (UTF-16 code units) into it',
});

/** A content digest of a blueprint or a section: lets ingestion and the planner skip unchanged parts. */
export const Sha256 = (description: string) => Type.String({ pattern: '^[0-9a-f]{64}$', description });

/**
 * One file of a blueprint spread over several files: its path and where its text starts in the
 * joined text. Files are joined in path order, each ending with a newline; a file's text runs to the
 * next file's start (or the end). Sections never cross a file boundary.
 */
export const BlueprintFile = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'Path relative to the submitted directory, with / separators',
    }),
    start: Type.Integer({
      minimum: 0,
      description: "Offset of the file's first character in the text, whose line endings are \\n",
    }),
  },
  { description: 'A file of a multi-file blueprint' },
);
export type BlueprintFile = Static<typeof BlueprintFile>;

/** The files of a multi-file blueprint in path order; absent for a single text. */
export const BlueprintFiles = Type.Array(BlueprintFile, {
  minItems: 1,
  maxItems: 10_000,
  description: 'Files in path order, with their start offsets in the text; absent for a single text',
});
