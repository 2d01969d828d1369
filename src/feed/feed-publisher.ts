import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { encodeFeedEvent } from "../contract/feed-event.js";
import type { FeedEvent } from "../domain/feed-event.js";
import { feedSubject } from "./subjects.js";

/**
 * Publishes committed feed events on core NATS, where every Herald process's
 * hub hears them. Never throws: the events are already in Postgres, and a
 * stream that misses one replays it from there at its next heartbeat.
 */
export function createFeedPublisher(options: { nc: () => NatsConnection | null; prefix: string; logger: Logger }) {
  return function publishFeedEvents(events: FeedEvent[]): void {
    const nc = options.nc();
    if (nc === null) return; // not connected yet: streams catch up from Postgres
    for (const event of events) {
      try {
        nc.publish(feedSubject(options.prefix, event.tenantId, event.userId), encodeFeedEvent(event));
      } catch (err) {
        options.logger.warn(
          { err, tenantId: event.tenantId, userId: event.userId, seq: event.seq },
          "feed event not published",
        );
      }
    }
  };
}
