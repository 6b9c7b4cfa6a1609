/**
 * What the manager keeps of a task beyond the contract: a retry's backoff and the loop guard's
 * error signatures of its failed runs since it was (re)opened, oldest first; the approval it waits
 * for (semi_auto asked governance before starting it), and whether a person approved starting it
 * (spent by the dispatch it allowed).
 */
export interface TaskNotes {
  readonly notBefore?: string;
  readonly signatures?: readonly string[];
  readonly approvalId?: string;
  readonly approved?: boolean;
}
