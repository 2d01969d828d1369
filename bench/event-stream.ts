import { createClient } from "@connectrpc/connect";
import { EventService } from "../gen/ts/herald/v1/event_service_pb.js";
import { NotificationService } from "../gen/ts/herald/v1/notification_service_pb.js";
import { grpcWithKey } from "./lib/bearer.js";
import { bulkInAppSends } from "./lib/bulk-sends.js";
import { startHerald } from "./lib/herald.js";
import { startStack } from "./lib/stack.js";
import { summarize } from "./lib/stats.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const notifications = arg("notifications", 50_000);
const batch = arg("batch", 1_000);
const inFlight = 4;

const stack = await startStack();
const herald = await startHerald(stack, { name: "events" });
try {
  const transport = grpcWithKey(herald.url, herald.apiKey);
  const sender = createClient(NotificationService, transport);
  const events = createClient(EventService, transport);
  const expected = notifications * 2;

  // Live: open at the head, then send.
  const live = new AbortController();
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  const arrivals = new Map<string, number>(); // notification id -> time its delivery.sent arrived
  const liveDone = (async () => {
    for await (const r of events.watchEvents({}, { signal: live.signal })) {
      if (r.kind.case !== "event") continue;
      received++;
      lastAt = performance.now();
      if (firstAt === 0) firstAt = lastAt;
      if (r.kind.value.payload.case === "delivery") arrivals.set(r.kind.value.notificationId, lastAt);
      if (received >= expected) return;
    }
  })().catch((e: unknown) => {
    if (!live.signal.aborted) throw e;
  });
  await new Promise((r) => setTimeout(r, 500));

  const { sentAt, seconds: sendSeconds } = await bulkInAppSends(sender, notifications, batch, inFlight);
  const sendsDone = performance.now();
  const deadline = Date.now() + 10 * 60_000;
  while (received < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  live.abort();
  await liveDone;
  const lags = [...arrivals].flatMap(([id, t]) => (sentAt.has(id) ? [t - (sentAt.get(id) as number)] : []));
  const liveSeconds = (lastAt - firstAt) / 1000;
  console.log(
    `sends: ${notifications} notifications in ${sendSeconds.toFixed(1)} s (${Math.round(notifications / sendSeconds)}/s)`,
  );
  console.log(
    `live: ${received}/${expected} events in ${liveSeconds.toFixed(1)} s = ${Math.round(received / liveSeconds)} events/s; last event ${((lastAt - sendsDone) / 1000).toFixed(2)} s after the last Send`,
  );
  console.log(`live lag (Send response -> its delivery.sent event), ms: ${JSON.stringify(summarize(lags))}`);

  // Replay: from the oldest kept to synced.
  const t0 = performance.now();
  let replayed = 0;
  for await (const r of events.watchEvents({ fromOldest: true }, { signal: AbortSignal.timeout(10 * 60_000) })) {
    if (r.kind.case === "event") replayed++;
    if (r.kind.case === "synced") break;
  }
  const replaySeconds = (performance.now() - t0) / 1000;
  console.log(
    `replay: ${replayed} events in ${replaySeconds.toFixed(1)} s = ${Math.round(replayed / replaySeconds)} events/s`,
  );
  const cpu = herald.cpuSeconds();
  console.log(`herald CPU seconds over the whole run: ${cpu.toFixed(1)}`);
} finally {
  await herald.stop();
  await stack.stop();
}
