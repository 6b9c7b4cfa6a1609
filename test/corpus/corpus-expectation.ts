/**
 * What a person reading a document expects the planner to make of it. Task names are title
 * fragments (case-insensitive); `order` pairs say the second task waits (directly or through
 * others) for the first.
 */
export interface CorpusExpectation {
  readonly name: string;
  /** The file name the document is planned under (its `source.file` in the tasks). */
  readonly file: string;
  readonly text: string;
  /** A licence that lets us read it in tests, for documents nobody here wrote. */
  readonly licence?: string;
  /** Reference material, prose or code: no task, and the CLI says so. */
  readonly notAPlan?: boolean;
  readonly tasks: readonly string[];
  readonly order: readonly (readonly [string, string])[];
  /** Headings that are not work: no task title may be exactly one of these, or start with it. */
  readonly notWork: readonly string[];
  /** Scope globs a task (by title fragment) must have. */
  readonly scope: Readonly<Record<string, readonly string[]>>;
  /** Globs no task may have. */
  readonly notScope: readonly string[];
  /** Validation commands a task (by title fragment) must have, in order. */
  readonly validation: Readonly<Record<string, readonly (readonly string[])[]>>;
  /** Acceptance criteria fragments a task (by title fragment) must carry. */
  readonly criteria: Readonly<Record<string, readonly string[]>>;
}
