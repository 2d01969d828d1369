// Many idle streams on one server (Herald's Subscribe or the peer's, see
// feed-target.ts): opens them (one per user, `perConnection` per HTTP/2
// connection), says `opened` and waits while the orchestrator reads the
// server's memory; on `deliver`, publishes one message to every user in calls
// of `recipientsPerCall`, all started at once, and measures until every
// stream has it.
import { summarize } from "../lib/stats.js";
import { createFeedTarget, type FeedTargetConfig } from "./feed-target.js";
import { emit, loadConfig, nextCommand, progress, runMain, sleep } from "./protocol.js";

export interface IdleStreamsConfig {
  target: FeedTargetConfig;
  streams: number;
  perConnection: number;
  recipientsPerCall: number;
}

const config = loadConfig<IdleStreamsConfig>();

runMain(async () => {
  const userIds = Array.from({ length: config.streams }, (_, i) => `idle-user-${i}`);
  const arrivals = new Float64Array(config.streams).fill(Number.NaN);
  let received = 0;
  const target = createFeedTarget(config.target);
  const t0 = performance.now();
  const streams = await target.openStreams({
    userIds,
    perConnection: config.perConnection,
    openConcurrency: 200,
    timeoutMs: 180_000,
    onMessage: (i, _, at) => {
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
  const publisher = await target.publisher(userIds);
  const calls: Array<() => Promise<void>> = [];
  for (let i = 0; i < userIds.length; i += config.recipientsPerCall) {
    calls.push(publisher.prepareToMany(userIds.slice(i, i + config.recipientsPerCall)));
  }
  const start = performance.now();
  let lastReturn = start;
  await Promise.all(
    calls.map(async (call) => {
      await call();
      lastReturn = Math.max(lastReturn, performance.now());
    }),
  );
  for (let waited = 0; received < config.streams && waited < 30_000; waited += 5) await sleep(5);
  const reached = Array.from(arrivals, (t) => t - start).filter((t) => Number.isFinite(t));
  const all = summarize(reached);
  progress(
    `${received} of ${config.streams} streams had the message ${all.max.toFixed(0)} ms after the first call started`,
  );
  streams.close();
  publisher.close();
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
