import { DEFAULT_MAX_BLUEPRINT_BYTES, DEFAULT_MAX_NESTING } from '../domain/blueprint/blueprint-source';

/** Limits and batch sizes of blueprint ingestion; every field has a default. */
export interface IngestionOptions {
  /** Refuse blueprints past this many UTF-8 bytes. Default 8 MiB. */
  maxBytes: number;
  /** Refuse block quotes or lists nested deeper. Default 64. */
  maxNesting: number;
  /** Characters per stored text chunk. Default 256 Ki, so no document nears a store's size limits. */
  chunkChars: number;
  /** Sections written per step (one transaction, one checkpoint). Default 1000. */
  sectionsPerStep: number;
  /** Progress events per job at most (one per 1/n of the sections). Default 20. */
  progressSteps: number;
}

export const defaultIngestionOptions: IngestionOptions = {
  maxBytes: DEFAULT_MAX_BLUEPRINT_BYTES,
  maxNesting: DEFAULT_MAX_NESTING,
  chunkChars: 256 * 1024,
  sectionsPerStep: 1000,
  progressSteps: 20,
};

/** Injection token for `IngestionOptions` (the module provides the defaults). */
export const IngestionOptions = Symbol('IngestionOptions');
