/** Time as a port, so domain code receives it as data and tests can move it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** The current instant as an ISO-8601 string. */
  isoNow(): string;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  isoNow: () => new Date().toISOString(),
};
/** Injection token for the Clock port (the runtime provides `systemClock`). */
export const Clock = Symbol('Clock');
