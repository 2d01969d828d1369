import type * as grpc from "@grpc/grpc-js";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { mintUserToken } from "../../src/auth/user-tokens.js";
import type { FeedTarget } from "./feed-target.js";
import { feedMessages } from "./feed-target.js";
import { bearer, closeAll, connect, decode, encode, methods, streamRaw, unaryRaw } from "./grpc.js";
import { openServerStreams } from "./streams.js";

export interface HeraldFeedConfig {
  kind: "herald";
  port: number;
  apiKey: string;
  userTokenSecret: string;
}

/**
 * Herald as a feed: Subscribe streams with HS256 user tokens minted with its
 * secret (ready at `synced`, messages are `created` events), and in-app Sends
 * with the bootstrap API key (the message id is the notification's).
 */
export function heraldFeed(config: HeraldFeedConfig): FeedTarget {
  return {
    openStreams(options) {
      const request = encode.subscribe({});
      return openServerStreams({
        ...options,
        port: config.port,
        async start(client, i) {
          const token = await mintUserToken(config.userTokenSecret, options.userIds[i] as string, { ttlSeconds: 3600 });
          return streamRaw(client, methods.subscribe, request, bearer(token));
        },
        classify(bytes) {
          const kind = decode.subscribe(bytes).event?.kind;
          if (kind?.case === "synced") return { kind: "ready" };
          if (kind?.case === "created") return { kind: "message", id: kind.value.notification?.id ?? "" };
          return null;
        },
      });
    },
    async publisher(userIds) {
      const senders = await connect(config.port, 2);
      const md = bearer(config.apiKey);
      const send = (i: number, request: Buffer) =>
        unaryRaw(senders[i % senders.length] as grpc.Client, methods.send, request, md);
      const inApp = (ids: string[], words: (typeof feedMessages)[keyof typeof feedMessages]) =>
        encode.send({ userIds: ids, ...words, channels: [Channel.IN_APP] });
      const toOne = userIds.map((u) => inApp([u], feedMessages.one));
      let prepared = 0;
      return {
        async toOne(i) {
          const bytes = await send(i, toOne[i % toOne.length] as Buffer);
          return decode.send(bytes).notifications[0]?.id ?? "";
        },
        prepareToMany(ids) {
          const request = inApp(ids, feedMessages.all);
          const k = prepared++;
          return async () => {
            await send(k, request);
          };
        },
        close: () => closeAll(senders),
      };
    },
  };
}
