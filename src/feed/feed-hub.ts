import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { decodeFeedEvent } from "../contract/feed-event.js";
import { ResourceExhaustedError } from "../domain/errors.js";
import type { FeedEvent, FeedHead } from "../domain/feed-event.js";
import { defaultTenant, parseUserKey, userKey } from "../domain/tenant.js";
import { feedOwnerOfSubject, feedWildcard } from "./subjects.js";

/** What a stream's listener hears from the hub. */
export type HubSignal =
  | { type: "event"; event: FeedEvent }
  /**
   * Periodic: the user's head as Postgres has it (null when the user has no feed
   * or the heads could not be read this time); also sent after NATS reconnects.
   */
  | { type: "tick"; head: FeedHead | null }
  | { type: "close" };

export type HubListener = (signal: HubSignal) => void;

export interface FeedHub {
  /**
   * Registers a listener for one user's feed; returns its removal. Throws a
   * ResourceExhaustedError when the user, or this process, has as many
   * listeners as allowed.
   */
  listen(tenantId: string, userId: string, listener: HubListener): () => void;
  /** Ends the streams of one user of one tenant open here (their tokens were revoked); the clients reconnect. */
  end(tenantId: string, userId: string): void;
  /** Open listeners, of one user (of `tenantId`, default the default tenant) or of all; for metrics and tests. */
  size(userId?: string, tenantId?: string): number;
  /** Ends every listener and stops the hub. */
  close(): Promise<void>;
}

export interface FeedHubOptions {
  /** The NATS connection once there is one; until then streams live on heartbeat catch-ups. */
  nc: Promise<NatsConnection>;
  prefix: string;
  /** Reads the heads of users, keyed by userKey (one query for all open streams, of every tenant, per tick). */
  heads: (owners: Array<{ tenantId: string; userId: string }>) => Promise<Map<string, FeedHead>>;
  heartbeatMs: number;
  /** Most listeners (open Subscribe streams) one user may have in this process. */
  maxPerUser: number;
  /** Most listeners in this process. */
  maxTotal: number;
  logger: Logger;
}

/**
 * One NATS subscription per process for every feed, fanned out in memory to the
 * streams open here. Core NATS may drop a message (during a reconnect, say);
 * every tick tells each stream the head Postgres has, so a stream that missed an
 * event notices within one heartbeat and replays it from Postgres.
 */
export function createFeedHub(options: FeedHubOptions): FeedHub {
  // Keyed by userKey(tenant, user): the same user id in two tenants is two feeds.
  const listeners = new Map<string, Set<HubListener>>();
  let count = 0;

  const deliver = (key: string, signal: HubSignal) => {
    for (const listener of listeners.get(key) ?? []) listener(signal);
  };

  let subscription: Subscription | null = null;
  let closed = false;
  const subscribe = (nc: NatsConnection) =>
    nc.subscribe(feedWildcard(options.prefix), {
      callback: (error, msg) => {
        if (error !== null) {
          options.logger.warn({ err: error }, "feed subscription error");
          return;
        }
        const owner = feedOwnerOfSubject(options.prefix, msg.subject);
        if (owner === null) return;
        const key = userKey(owner.tenantId, owner.userId);
        // Most events are for users with no stream in this process: skip decoding.
        if (!listeners.has(key)) return;
        try {
          const event = decodeFeedEvent(owner.tenantId, owner.userId, msg.data);
          if (event !== null) deliver(key, { type: "event", event });
        } catch (err) {
          options.logger.warn({ err, subject: msg.subject }, "undecodable feed event");
        }
      },
    });

  const beatOnly = () => {
    for (const key of [...listeners.keys()]) deliver(key, { type: "tick", head: null });
  };
  let ticking = false;
  /**
   * Reads every listened user's head and tells their streams. On the timer,
   * while the last read is still waiting (the database is slow or out of
   * connections) or when it fails, streams hear a tick without a head: they
   * still send their heartbeats, and catch up at a later tick.
   */
  const tick = async (onTimer = false) => {
    if (listeners.size === 0) return;
    if (ticking) {
      if (onTimer) beatOnly();
      return;
    }
    ticking = true;
    try {
      const keys = [...listeners.keys()];
      const heads = await options.heads(keys.map(parseUserKey));
      for (const key of keys) deliver(key, { type: "tick", head: heads.get(key) ?? null });
    } catch (err) {
      options.logger.warn({ err }, "feed heartbeat could not read heads");
      if (onTimer) beatOnly();
    } finally {
      ticking = false;
    }
  };
  const timer = setInterval(() => void tick(true), options.heartbeatMs);
  timer.unref();

  void options.nc
    .then(async (nc) => {
      if (closed) return;
      subscription = subscribe(nc);
      void tick(); // events before the subscription existed are in Postgres
      // After a reconnect, events published meanwhile may be lost: check at once.
      for await (const status of nc.status()) {
        if (status.type === "reconnect") void tick();
      }
    })
    .catch(() => undefined);

  return {
    listen(tenantId, userId, listener) {
      const key = userKey(tenantId, userId);
      if ((listeners.get(key)?.size ?? 0) >= options.maxPerUser) {
        throw new ResourceExhaustedError(
          `this user already has ${options.maxPerUser} Subscribe streams open on this server (FEED_MAX_STREAMS_PER_USER); close one first`,
        );
      }
      if (count >= options.maxTotal) {
        throw new ResourceExhaustedError(
          `this server holds its maximum of ${options.maxTotal} Subscribe streams (FEED_MAX_STREAMS); retry later`,
        );
      }
      let set = listeners.get(key);
      if (set === undefined) {
        set = new Set();
        listeners.set(key, set);
      }
      set.add(listener);
      count += 1;
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        count -= 1;
        set.delete(listener);
        if (set.size === 0) listeners.delete(key);
      };
    },
    end: (tenantId, userId) => deliver(userKey(tenantId, userId), { type: "close" }),
    size: (userId, tenantId = defaultTenant) =>
      userId === undefined ? count : (listeners.get(userKey(tenantId, userId))?.size ?? 0),
    async close() {
      clearInterval(timer);
      for (const key of [...listeners.keys()]) deliver(key, { type: "close" });
      closed = true;
      if (subscription !== null && !subscription.isClosed()) subscription.unsubscribe();
    },
  };
}
