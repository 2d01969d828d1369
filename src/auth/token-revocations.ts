import type { Logger } from "pino";

export interface TokenRevocationsOptions {
  /** Reads the revocations made after `since` from the database. */
  load: (since: Date) => Promise<Array<{ userId: string; before: Date }>>;
  /** How often to reload them all: the delay when an announcement is lost. */
  refreshMs: number;
  /** The longest a user token may live: older revocations cannot matter. */
  maxTtlMs: number;
  /** Tells every Herald process of a revocation made here (NATS); best effort. */
  announce: (userId: string, before: Date) => void;
  /** Called in every process once it knows of a revocation (ends the user's streams). */
  onRevoked: (userId: string) => void;
  logger: Logger;
}

export interface TokenRevocations {
  /** Whether a token of `userId` issued at `issuedAtSeconds` (a JWT `iat`) is revoked. */
  isRevoked(userId: string, issuedAtSeconds: number): boolean;
  /** A revocation was committed here: applies it and tells the other processes. */
  revoked(userId: string, before: Date): void;
  /** An announcement from another process (the JSON `announcement()` made). */
  heard(message: string): void;
  /** Resolves once the first load finished or failed (then the refresh retries it). */
  ready: Promise<void>;
  stop(): void;
}

/** What `announce` publishes for a revocation; `heard` reads it. */
export function announcement(userId: string, before: Date): string {
  return JSON.stringify({ userId, before: before.getTime() });
}

/**
 * Per-user revocation times ("every token issued before T is refused"), held in
 * memory by each process so checking one costs a map lookup. Only revocations
 * younger than the maximum token lifetime are kept: a token issued before an
 * older one has expired anyway. A revocation reaches the other processes at
 * once over NATS, and in any case with the next reload (`refreshMs`).
 */
export function createTokenRevocations(options: TokenRevocationsOptions): TokenRevocations {
  let before = new Map<string, number>();

  const apply = (userId: string, time: number): boolean => {
    if ((before.get(userId) ?? 0) >= time) return false;
    before.set(userId, time);
    return true;
  };

  const reload = async () => {
    // A margin beyond the longest lifetime, for the clock tolerance the verifier allows.
    const rows = await options.load(new Date(Date.now() - options.maxTtlMs - 5 * 60_000));
    const fresh = new Map(rows.map((r) => [r.userId, r.before.getTime()]));
    // A revocation heard while the query ran may be newer than what it read.
    for (const [userId, time] of before) if (time > (fresh.get(userId) ?? 0)) fresh.set(userId, time);
    const added = [...fresh].filter(([userId, time]) => (before.get(userId) ?? 0) < time).map(([userId]) => userId);
    before = fresh;
    for (const userId of added) options.onRevoked(userId);
  };
  const refresh = () =>
    reload().catch((err: unknown) => options.logger.warn({ err }, "could not load user token revocations"));
  const ready = refresh();
  const timer = setInterval(refresh, options.refreshMs);
  timer.unref();

  return {
    isRevoked(userId, issuedAtSeconds) {
      const time = before.get(userId);
      // `iat` counts whole seconds: a token from the revocation's own second may
      // predate it, so it is refused too.
      return time !== undefined && issuedAtSeconds <= Math.floor(time / 1000);
    },
    revoked(userId, time) {
      apply(userId, time.getTime());
      options.onRevoked(userId);
      options.announce(userId, time);
    },
    heard(message) {
      try {
        const { userId, before: time } = JSON.parse(message) as { userId?: unknown; before?: unknown };
        if (typeof userId !== "string" || typeof time !== "number" || !Number.isFinite(time)) return;
        if (apply(userId, time)) options.onRevoked(userId);
      } catch {
        options.logger.warn("malformed user token revocation announcement");
      }
    },
    ready,
    stop: () => clearInterval(timer),
  };
}
