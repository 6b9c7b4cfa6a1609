import { Type } from '@sinclair/typebox';

/**
 * Small building blocks every message uses. They are factories, not constants, so each field keeps
 * its own `description` while the rule (length, format, bounds) is written once.
 */

/** An opaque identifier (ULIDs for ids we mint; integrations may send their own). */
export const Id = (description: string) => Type.String({ minLength: 1, maxLength: 128, description });

/** An instant, ISO 8601 with a zone: `2026-11-24T10:15:00.000Z`. */
export const Timestamp = (description: string) => Type.String({ format: 'date-time', description });

/** An amount of money in US dollars; costs, caps and estimates are never negative. */
export const Money = (description: string) =>
  Type.Number({ minimum: 0, description: `${description} (US dollars)` });

/** A whole number >= 0: counts, token numbers, offsets. */
export const Count = (description: string) => Type.Integer({ minimum: 0, description });

/** Milliseconds elapsed. */
export const DurationMs = (description: string) =>
  Type.Integer({ minimum: 0, description: `${description} (ms)` });

/** A line of human-readable text shown on the dashboard; bounded so no one ships a log as a title. */
export const Text = (maxLength: number, description: string) =>
  Type.String({ minLength: 1, maxLength, description });

/** A full git commit id (SHA-1 or SHA-256). */
export const CommitSha = (description: string) =>
  Type.String({ pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$', description });

/**
 * The state's revision, +1 on every change. Event-carried state can arrive out of order (redelivery),
 * so a reader keeps the state with the highest revision and drops older ones.
 */
export const Revision = () =>
  Type.Integer({ minimum: 1, description: 'Revision of this state, +1 per change; keep the highest seen' });
