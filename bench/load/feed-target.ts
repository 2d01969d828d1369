// The server a feed load process measures: Herald (Subscribe streams, Send) or
// the peer, Centrifugo (uni gRPC streams, server API publish). The load
// processes (feed-latency.ts, idle-streams.ts) drive either through this one
// interface, so both are measured by the same code.
import { type CentrifugoFeedConfig, centrifugoFeed } from "./centrifugo-feed.js";
import { type HeraldFeedConfig, heraldFeed } from "./herald-feed.js";
import type { OpenStreams, StreamOptions } from "./streams.js";

export type FeedTargetConfig = HeraldFeedConfig | CentrifugoFeedConfig;

export interface FeedTarget {
  /** One stream per user, each opened with that user's own token; resolves when every stream is ready. */
  openStreams(options: StreamOptions): Promise<OpenStreams>;
  /** Publishing calls over 2 HTTP/2 connections of their own. */
  publisher(userIds: string[]): Promise<FeedPublisher>;
}

export interface FeedPublisher {
  /** Publishes one message to `userIds[i % n]`; resolves, once the call returned, with the id its stream will see. */
  toOne(i: number): Promise<string>;
  /** Encodes one call that publishes one message to all of `userIds`; the function returned makes the call. */
  prepareToMany(userIds: string[]): () => Promise<void>;
  close(): void;
}

/** What both servers deliver: the same words, so payload sizes match. */
export const feedMessages = {
  one: { category: "bench.feed", title: "New message", body: "You have a new message." },
  all: {
    category: "bench.broadcast",
    title: "Scheduled maintenance tonight",
    body: "The service will be unavailable from 02:00 to 02:30 UTC.",
  },
} as const;

export function createFeedTarget(config: FeedTargetConfig): FeedTarget {
  return config.kind === "herald" ? heraldFeed(config) : centrifugoFeed(config);
}
