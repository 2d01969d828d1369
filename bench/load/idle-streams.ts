// Many idle Subscribe streams on one Herald process: opens them (one per user,
// `perConnection` per HTTP/2 connection), says `opened` and waits while the
// orchestrator reads Herald's memory; on `deliver`, sends one notification to
// every user in calls of `recipientsPerCall` and measures until every stream
// has its event.
import type * as grpc from "@grpc/grpc-js";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { summarize } from "../lib/stats.js";
import { bearer, connect, encode, methods, unaryRaw } from "./grpc.js";
import { emit, loadConfig, nextCommand, progress, runMain, sleep } from "./protocol.js";
import { openStreams } from "./streams.js";

export interface IdleStreamsConfig {
  port: number;
  apiKey: string;
  userTokenSecret: string;
  streams: number;
  perConnection: number;
  recipientsPerCall: number;
}

const config = loadConfig<IdleStreamsConfig>();

runMain(async () => {
  const userIds = Array.from({ length: config.streams }, (_, i) => `idle-user-${i}`);
  const arrivals = new Float64Array(config.streams).fill(Number.NaN);
  let received = 0;
  const t0 = performance.now();
  const streams = await openStreams({
    port: config.port,
    userTokenSecret: config.userTokenSecret,
    userIds,
    perConnection: config.perConnection,
    openConcurrency: 200,
    timeoutMs: 180_000,
    onCreated: (i, _, at) => {
      if (Number.isNaN(arrivals[i] as number)) received++;
      arrivals[i] = at;
    },
  });
  const openSeconds = (performance.now() - t0) / 1000;
  progress(
    `${config.streams} streams synced over ${Math.ceil(config.streams / config.perConnection)} connections in ${openSeconds.toFixed(1)} s`,
  );
  emit({ type: "opened", openSeconds });

  await nextCommand("deliver");
  const senders = await connect(config.port, 2);
  const md = bearer(config.apiKey);
  const calls: Buffer[] = [];
  for (let i = 0; i < userIds.length; i += config.recipientsPerCall) {
    calls.push(
      encode.send({
        userIds: userIds.slice(i, i + config.recipientsPerCall),
        category: "bench.broadcast",
        title: "Scheduled maintenance tonight",
        body: "The service will be unavailable from 02:00 to 02:30 UTC.",
        channels: [Channel.IN_APP],
      }),
    );
  }
  const start = performance.now();
  let lastReturn = start;
  await Promise.all(
    calls.map(async (request, i) => {
      await unaryRaw(senders[i % senders.length] as grpc.Client, methods.send, request, md);
      lastReturn = Math.max(lastReturn, performance.now());
    }),
  );
  for (let waited = 0; received < config.streams && waited < 30_000; waited += 5) await sleep(5);
  const reached = Array.from(arrivals, (t) => t - start).filter((t) => Number.isFinite(t));
  const all = summarize(reached);
  progress(
    `${received} of ${config.streams} streams had the notification ${all.max.toFixed(0)} ms after the first Send started`,
  );
  streams.close();
  for (const c of senders) c.close();
  return {
    streams: config.streams,
    connections: Math.ceil(config.streams / config.perConnection),
    openSeconds,
    sendCalls: calls.length,
    received,
    missing: config.streams - received,
    streamFailures: streams.failures(),
    firstStreamFailure: streams.firstFailure(),
    msUntilSendsReturned: lastReturn - start,
    msUntilAllReached: received === config.streams ? all.max : Number.NaN,
    msUntilReached: all,
  };
}, 6 * 60_000);
