/** Counts turns of the event loop until stopped (`EventLoopTurns`). */
export interface EventLoopTurns {
  /** Turns the event loop has taken since the count started. */
  readonly count: number;
  stop(): void;
}

/**
 * Counts the turns of the event loop from now on: a check callback (`setImmediate`) re-arms itself
 * once per turn. Work that never gives the loop a turn leaves the count where it was, however long
 * it runs; so a test tells "answered a signal meanwhile" from "held the process" without a clock.
 */
export function countEventLoopTurns(): EventLoopTurns {
  let count = 0;
  let stopped = false;
  const turn = (): void => {
    if (stopped) return;
    count++;
    setImmediate(turn);
  };
  setImmediate(turn);
  return {
    get count() {
      return count;
    },
    stop() {
      stopped = true;
    },
  };
}
