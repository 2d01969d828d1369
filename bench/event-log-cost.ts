// `npx tsx bench/event-log-cost.ts [--blocks 4] [--block-ms 5000]`: what the
// event log (migration 0017's triggers and the sequencer) costs a Send,
// measured A/B on one Herald process: blocks of load with the event triggers
// enabled and disabled, alternating (so a shared machine's noise falls on both
// alike), reporting per notification the CPU of Postgres and Herald and the
// throughput, for unary single-recipient Sends (c=16) and bulk Sends of 1,000.
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { Channel } from "../gen/ts/herald/v1/notification_pb.js";
import { NotificationService, SendRequestSchema } from "../gen/ts/herald/v1/notification_service_pb.js";
import { grpcWithKey } from "./lib/bearer.js";
import { startHerald } from "./lib/herald.js";
import { cpuWindow } from "./lib/machine.js";
import { startStack } from "./lib/stack.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const blocks = arg("blocks", 4);
const blockMs = arg("block-ms", 5_000);
const triggers = [
  ["notifications", "events_notifications"],
  ["feed_events", "events_feed"],
  ["deliveries", "events_deliveries_added"],
  ["deliveries", "events_deliveries_changed"],
];

const stack = await startStack();
const herald = await startHerald(stack, { name: "evcost" });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
try {
  const transport = grpcWithKey(herald.url, herald.apiKey);
  const sender = createClient(NotificationService, transport);
  let user = 0;
  const setTriggers = async (on: boolean) => {
    for (const [table, name] of triggers) {
      await stack.sql(herald.database, `ALTER TABLE ${table} ${on ? "ENABLE" : "DISABLE"} TRIGGER ${name}`);
    }
  };
  /** One block of load: notifications written, and CPU seconds of Postgres and Herald. */
  async function block(recipients: number, concurrency: number) {
    const window = cpuWindow(herald.processGroups());
    const started = performance.now();
    let written = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() - started < blockMs) {
          const userIds = Array.from({ length: recipients }, () => `u${user++}`);
          const res = await sender.send(
            create(SendRequestSchema, { userIds, category: "c", title: "t", body: "b", channels: [Channel.IN_APP] }),
          );
          written += res.notifications.length;
        }
      }),
    );
    // Let the sequencer number what the block wrote: its cost is part of the block's.
    await new Promise((r) => setTimeout(r, 300));
    const seconds = (performance.now() - started) / 1000;
    const cpu = window.stop();
    const perK = (pct: number) => ((pct / 100) * seconds * 1e6) / written; // CPU µs per notification
    return {
      perSecond: written / seconds,
      postgresUs: perK(cpu.postgres ?? 0),
      heraldUs: perK(cpu.herald ?? 0),
      other: cpu.other,
    };
  }
  for (const [label, recipients, concurrency] of [
    ["unary Send, 1 recipient, c=16", 1, 16],
    ["bulk Send, 1,000 recipients, c=2", 1000, 2],
  ] as const) {
    const results: Record<"on" | "off", Array<Awaited<ReturnType<typeof block>>>> = { on: [], off: [] };
    await block(recipients, concurrency); // warm-up
    for (let i = 0; i < blocks; i++) {
      for (const mode of i % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const)) {
        await setTriggers(mode === "on");
        results[mode].push(await block(recipients, concurrency));
      }
    }
    await setTriggers(true);
    for (const mode of ["off", "on"] as const) {
      const r = results[mode];
      console.log(
        `${label}, events ${mode}: ${Math.round(median(r.map((x) => x.perSecond)))} notifications/s, ` +
          `Postgres ${Math.round(median(r.map((x) => x.postgresUs)))} µs CPU/notification, ` +
          `Herald ${Math.round(median(r.map((x) => x.heraldUs)))} µs; other load ${r.map((x) => x.other).join(",")}%`,
      );
    }
  }
  const [events] = await stack.sql<{ n: string; waiting: string }>(
    herald.database,
    "SELECT count(*) AS n, count(*) FILTER (WHERE seq IS NULL) AS waiting FROM events",
  );
  console.log(`events written: ${events?.n}, unnumbered at the end: ${events?.waiting}`);
} finally {
  await herald.stop();
  await stack.stop();
}
