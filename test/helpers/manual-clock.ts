import type { Clock } from "../../src/domain/clock.js";

/** A clock a test moves by hand: workflow delays fire when the test says, not after real minutes. */
export interface ManualClock extends Clock {
  /** Moves the clock forward. */
  advance(ms: number): void;
  /** Sets the clock to this instant. */
  set(at: Date): void;
}

export function manualClock(start: Date = new Date()): ManualClock {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    advance(ms) {
      at += ms;
    },
    set(to) {
      at = to.getTime();
    },
  };
}
