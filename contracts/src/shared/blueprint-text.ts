import { Type } from '@sinclair/typebox';

/**
 * A blueprint's text, carried whole. DESIGN.md section 2 sizes blueprints at up to ~500k words
 * (about 3 MB), past NATS's default 1 MB max_payload: the bus must allow 8 MB messages
 * (`max_payload: 8MB`). The cap here (4 Mi characters) keeps a message within that.
 */
export const BlueprintText = Type.String({
  minLength: 1,
  maxLength: 4 * 1024 * 1024,
  description:
    'The full blueprint text (Markdown); offsets elsewhere count characters (UTF-16 code units) into it',
});

/** A content digest of a blueprint or a section: lets ingestion and the planner skip unchanged parts. */
export const Sha256 = (description: string) => Type.String({ pattern: '^[0-9a-f]{64}$', description });
