export interface AbusePenaltyOptions {
  /** Delay after a first offence; doubles with each further one. */
  baseMs: number;
  /** The longest delay. */
  maxMs: number;
  /** Offences older than this are forgotten. */
  forgetAfterMs: number;
  /** Most addresses remembered (the oldest are forgotten first). */
  maxAddresses: number;
  now?: () => number;
}

/**
 * Remembers client addresses whose connections were cut for abuse (a
 * rapid-reset flood, say) and how long their next connections should wait
 * before Herald reads from them. A flood that reconnects as soon as it is cut
 * would otherwise cost Herald a new connection's setup plus a fresh burst, as
 * fast as it can reconnect; waiting connections cost nothing but a socket.
 * Connections already open from the same address are not affected.
 */
export function createAbusePenalty(options: AbusePenaltyOptions) {
  const now = options.now ?? Date.now;
  const offences = new Map<string, { count: number; last: number; until: number }>();
  return {
    /** Records an offence by this address. */
    strike(address: string): void {
      const t = now();
      const known = offences.get(address);
      const count = known !== undefined && t - known.last < options.forgetAfterMs ? known.count + 1 : 1;
      const delay = Math.min(options.maxMs, options.baseMs * 2 ** (count - 1));
      offences.delete(address); // re-inserted last: Map order is the eviction order
      offences.set(address, { count, last: t, until: t + delay });
      if (offences.size > options.maxAddresses) offences.delete(offences.keys().next().value as string);
    },
    /** How long a new connection from this address should wait, in ms (0: none). */
    waitFor(address: string): number {
      const known = offences.get(address);
      if (known === undefined) return 0;
      const t = now();
      if (t - known.last >= options.forgetAfterMs) {
        offences.delete(address);
        return 0;
      }
      return Math.max(0, known.until - t);
    },
  };
}

export type AbusePenalty = ReturnType<typeof createAbusePenalty>;
