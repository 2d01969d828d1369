/**
 * Where workflows read the time. Production uses the system clock; tests pass
 * one they move forward, so that nothing waits for an hour (or a minute) to
 * see a delay fire.
 */
export interface Clock {
  now(): Date;
}

/** The real time. */
export const systemClock: Clock = { now: () => new Date() };
