/**
 * What the manager keeps of a task beyond the contract: a retry's backoff and the loop guard's
 * error signatures of its failed runs since it was (re)opened, oldest first.
 */
export interface TaskNotes {
  readonly notBefore?: string;
  readonly signatures?: readonly string[];
}
