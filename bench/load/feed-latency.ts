// Publish-to-feed latency under load: `users` streams stay open while
// messages (one recipient each, round-robin over the users) go out at a fixed
// rate; for each, the time from the publishing call returning to its stream
// receiving the message. Sender and subscriber are this process: one clock.
// The server is Herald (Send, Subscribe) or the peer, Centrifugo (see
// feed-target.ts).
import { summarize } from "../lib/stats.js";
import { createFeedTarget, type FeedTargetConfig } from "./feed-target.js";
import { paced } from "./pace.js";
import { emit, loadConfig, progress, runMain, sleep } from "./protocol.js";

export interface FeedLatencyConfig {
  target: FeedTargetConfig;
  users: number;
  /** Messages published per second. */
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

  const target = createFeedTarget(config.target);
  const t0 = performance.now();
  const streams = await target.openStreams({
    userIds,
    perConnection: 100,
    openConcurrency: 100,
    timeoutMs: 60_000,
    onMessage: (_, id, at) => {
      const sent = pending.get(id);
      if (sent !== undefined) {
        pending.delete(id);
        afterReturn.push(at - sent.returned);
        afterStart.push(at - sent.started);
      } else if (recording) {
        early.set(id, at); // arrived before its publishing call returned
      }
    },
  });
  progress(`${config.users} streams synced in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const publisher = await target.publisher(userIds);
  let errors = 0;
  let firstError = "";
  const send = async (i: number, record: boolean) => {
    const started = performance.now();
    try {
      const id = await publisher.toOne(i);
      const returned = performance.now();
      if (!record) return;
      callMs.push(returned - started);
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
  publisher.close();
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
