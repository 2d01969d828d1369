// Send-to-feed latency under load: `users` Subscribe streams stay open while
// Sends (in-app, one recipient each, round-robin over the users) go out at a
// fixed rate; for each, the time from Send returning to its stream receiving
// the notification. Sender and subscriber are this process: one clock.
import type * as grpc from "@grpc/grpc-js";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { summarize } from "../lib/stats.js";
import { bearer, connect, decode, encode, methods, unaryRaw } from "./grpc.js";
import { paced } from "./pace.js";
import { emit, loadConfig, progress, runMain, sleep } from "./protocol.js";
import { openStreams } from "./streams.js";

export interface FeedLatencyConfig {
  port: number;
  apiKey: string;
  userTokenSecret: string;
  users: number;
  /** Sends per second. */
  rate: number;
  warmupMs: number;
  durationMs: number;
  maxInFlight: number;
}

const config = loadConfig<FeedLatencyConfig>();

runMain(async () => {
  const userIds = Array.from({ length: config.users }, (_, i) => `feed-user-${i}`);
  const pending = new Map<string, { started: number; returned: number }>();
  const early = new Map<string, number>();
  const afterReturn: number[] = [];
  const afterStart: number[] = [];
  const callMs: number[] = [];
  let recording = false;

  const t0 = performance.now();
  const streams = await openStreams({
    port: config.port,
    userTokenSecret: config.userTokenSecret,
    userIds,
    perConnection: 100,
    openConcurrency: 100,
    timeoutMs: 60_000,
    onCreated: (_, id, at) => {
      const sent = pending.get(id);
      if (sent !== undefined) {
        pending.delete(id);
        afterReturn.push(at - sent.returned);
        afterStart.push(at - sent.started);
      } else if (recording) {
        early.set(id, at); // arrived before its Send returned
      }
    },
  });
  progress(`${config.users} streams synced in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const senders = await connect(config.port, 2);
  const md = bearer(config.apiKey);
  const requests = userIds.map((u) =>
    encode.send({
      userIds: [u],
      category: "bench.feed",
      title: "New message",
      body: "You have a new message.",
      channels: [Channel.IN_APP],
    }),
  );
  let errors = 0;
  let firstError = "";
  const send = async (i: number, record: boolean) => {
    const started = performance.now();
    try {
      const bytes = await unaryRaw(
        senders[i % 2] as grpc.Client,
        methods.send,
        requests[i % userIds.length] as Buffer,
        md,
      );
      const returned = performance.now();
      if (!record) return;
      callMs.push(returned - started);
      const id = decode.send(bytes).notifications[0]?.id ?? "";
      const arrived = early.get(id);
      if (arrived !== undefined) {
        early.delete(id);
        afterReturn.push(arrived - returned);
        afterStart.push(arrived - started);
      } else {
        pending.set(id, { started, returned });
      }
    } catch (error) {
      errors++;
      firstError ||= (error as Error).message;
    }
  };

  await paced({
    rate: config.rate,
    durationMs: config.warmupMs,
    maxInFlight: config.maxInFlight,
    op: (i) => send(i, false),
  });
  recording = true;
  emit({ type: "measuring" });
  const run = await paced({
    rate: config.rate,
    durationMs: config.durationMs,
    maxInFlight: config.maxInFlight,
    op: (i) => send(i, true),
  });
  // Let the last events arrive.
  for (let waited = 0; pending.size > 0 && waited < 5_000; waited += 10) await sleep(10);
  const completed = callMs.length;
  progress(
    `${completed} sends in ${run.seconds.toFixed(1)} s (${Math.round(completed / run.seconds)}/s), ${pending.size} not received, ${run.skipped} skipped, ${errors} errors`,
  );
  streams.close();
  for (const c of senders) c.close();
  return {
    offeredRate: config.rate,
    achievedRate: completed / run.seconds,
    sends: completed,
    skipped: run.skipped,
    errors,
    firstError,
    missing: pending.size,
    streamFailures: streams.failures(),
    msFromSendReturnToStream: summarize(afterReturn),
    msFromSendStartToStream: summarize(afterStart),
    sendCallMs: summarize(callMs),
  };
}, 5 * 60_000);
