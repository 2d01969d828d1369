import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadSync, type MethodDefinition, type ServiceDefinition } from "@grpc/proto-loader";
import { mintUserToken } from "../../src/auth/user-tokens.js";
import type { FeedTarget } from "./feed-target.js";
import { feedMessages } from "./feed-target.js";
import { closeAll, connect, streamRaw, unaryRaw } from "./grpc.js";
import { openServerStreams } from "./streams.js";

export interface CentrifugoFeedConfig {
  kind: "centrifugo";
  /** The unidirectional gRPC transport (CentrifugoUniStream/Consume). */
  uniGrpcPort: number;
  /** The gRPC server API (CentrifugoApi). */
  apiPort: number;
  apiKey: string;
  /** client.token.hmac_secret_key: users' HS256 tokens are signed with it. */
  tokenSecret: string;
  /** A user's personal channel is this prefix and the user id ("personal:#"). */
  personalChannelPrefix: string;
  /** Where unistream.proto and api.proto of the installed version are. */
  protoDir: string;
}

interface Push {
  channel?: string;
  pub?: { data?: Buffer };
  connect?: { subs?: Record<string, unknown> };
}
interface ApiError {
  code?: number;
  message?: string;
}
interface PublishResponse {
  error?: ApiError;
}
interface BroadcastResponse {
  error?: ApiError;
  result?: { responses?: PublishResponse[] };
}

/** proto-loader's method definitions for Consume, Publish and Broadcast, read from the version's own .proto files. */
function methodsOf(protoDir: string) {
  const options = { keepCase: true, longs: String, defaults: false };
  const uni = loadSync(path.join(protoDir, "unistream.proto"), options);
  const api = loadSync(path.join(protoDir, "api.proto"), options);
  const uniService = uni["centrifugal.centrifugo.unistream.CentrifugoUniStream"] as ServiceDefinition;
  const apiService = api["centrifugal.centrifugo.api.CentrifugoApi"] as ServiceDefinition;
  return {
    consume: uniService.Consume as MethodDefinition<object, Push>,
    publish: apiService.Publish as MethodDefinition<object, PublishResponse>,
    broadcast: apiService.Broadcast as MethodDefinition<object, BroadcastResponse>,
  };
}

/** Centrifugo answers API errors inside a successful gRPC response: turn them into exceptions. */
function check(what: string, error: ApiError | undefined): void {
  if (error?.code) throw new Error(`Centrifugo ${what}: error ${error.code} ${error.message ?? ""}`);
}

/**
 * Centrifugo as a feed: one uni gRPC Consume stream per user with the user's
 * own HS256 token, subscribed on connect to the user's personal channel (ready
 * at the `connect` push that lists it); messages are publications whose JSON
 * data carries an id the publisher chose. Publishing goes through the gRPC
 * server API (`authorization: apikey <key>`): Publish for one user, Broadcast
 * for many.
 */
export function centrifugoFeed(config: CentrifugoFeedConfig): FeedTarget {
  const rpc = methodsOf(config.protoDir);
  const channelOf = (userId: string) => `${config.personalChannelPrefix}${userId}`;
  const json = (value: object) => Buffer.from(JSON.stringify(value));
  return {
    openStreams(options) {
      const none = new grpc.Metadata();
      return openServerStreams({
        ...options,
        port: config.uniGrpcPort,
        async start(client, i) {
          const token = await mintUserToken(config.tokenSecret, options.userIds[i] as string, { ttlSeconds: 3600 });
          return streamRaw(client, rpc.consume.path, rpc.consume.requestSerialize({ token }), none);
        },
        classify(bytes) {
          const push = rpc.consume.responseDeserialize(bytes);
          if (push.pub !== undefined && push.pub !== null) {
            return { kind: "message", id: String((JSON.parse(String(push.pub.data)) as { id: string }).id) };
          }
          if (push.connect === undefined || push.connect === null) return null; // pings, joins...
          const subscribed = Object.keys(push.connect.subs ?? {});
          return subscribed.some((channel) => channel.startsWith(config.personalChannelPrefix))
            ? { kind: "ready" }
            : { kind: "refused", reason: `connected without the personal channel (subs: ${subscribed.join(", ")})` };
        },
      });
    },
    async publisher(userIds) {
      const clients = await connect(config.apiPort, 2);
      const md = new grpc.Metadata();
      md.set("authorization", `apikey ${config.apiKey}`);
      const call = (i: number, method: { path: string }, request: Buffer) =>
        unaryRaw(clients[i % clients.length] as grpc.Client, method.path, request, md);
      let published = 0;
      let prepared = 0;
      return {
        async toOne(i) {
          const id = `m${published++}`;
          const request = rpc.publish.requestSerialize({
            channel: channelOf(userIds[i % userIds.length] as string),
            data: json({ id, ...feedMessages.one }),
          });
          check("publish", rpc.publish.responseDeserialize(await call(i, rpc.publish, request)).error);
          return id;
        },
        prepareToMany(ids) {
          const request = rpc.broadcast.requestSerialize({
            channels: ids.map(channelOf),
            data: json({ id: "all", ...feedMessages.all }),
          });
          const k = prepared++;
          return async () => {
            const response = rpc.broadcast.responseDeserialize(await call(k, rpc.broadcast, request));
            check("broadcast", response.error);
            for (const r of response.result?.responses ?? []) check("broadcast", r.error);
          };
        },
        close: () => closeAll(clients),
      };
    },
  };
}
