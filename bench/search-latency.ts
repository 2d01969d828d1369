// SearchNotifications on scenario 5's table: `npx tsx bench/search-latency.ts
// [--rows 10000000] [--calls 200] [--dead-percent 0.1]`. Loads the same data as
// scenario 5 (bench/lib/list-data.ts: 100 notifications per user, in time
// order), marks about `dead-percent` % of the notifications with a dead email
// delivery, then times SearchNotifications over RPC, one call at a time, per
// case: the first page unfiltered, by a random user, by a random category, by
// status dead (first page, and the page its token leads to). Prints p50/p95/p99
// per case and EXPLAIN (ANALYZE, BUFFERS) of one search statement per case.
// Takes about as long to load as scenario 5 (about 90 s at 10M rows here).
import { parseArgs } from "node:util";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { DeliveryStatus } from "../gen/ts/herald/v1/notification_pb.js";
import { OperatorService, type SearchNotificationsRequestSchema } from "../gen/ts/herald/v1/operator_service_pb.js";
import { type SearchFilters, searchStatement } from "../src/store/notification-search.js";
import { cleanupAll, exitCleanlyOnSignals } from "./lib/cleanup.js";
import { startHerald } from "./lib/herald.js";
import { loadListData } from "./lib/list-data.js";
import { startStack } from "./lib/stack.js";
import { summarize } from "./lib/stats.js";

const { values } = parseArgs({
  options: { rows: { type: "string" }, calls: { type: "string" }, "dead-percent": { type: "string" } },
});
const rows = Number(values.rows ?? 10_000_000);
const calls = Number(values.calls ?? 200);
const deadPercent = Number(values["dead-percent"] ?? 0.1);
if (!Number.isInteger(rows) || rows < 10_000 || rows % 100 !== 0) throw new Error("--rows: a multiple of 100, ≥ 10000");
const users = rows / 100;
const categories = ["orders", "messages", "security", "billing", "social"];
const log = (text: string) => console.log(`[search] ${text}`);

type Case = {
  name: string;
  request: () => MessageInitShape<typeof SearchNotificationsRequestSchema>;
  filters: Partial<SearchFilters>;
};
const cases: Case[] = [
  { name: "first page, no filter", request: () => ({}), filters: {} },
  {
    name: "by user",
    request: () => ({ userId: `search-user-${Math.floor(Math.random() * users)}` }),
    filters: { userId: "search-user-7" },
  },
  {
    name: "by category",
    request: () => ({ category: categories[Math.floor(Math.random() * categories.length)] as string }),
    filters: { category: "billing" },
  },
  {
    name: "by status dead",
    request: () => ({ deliveryStatus: DeliveryStatus.DEAD }),
    filters: { deliveryStatus: "dead" },
  },
];

const noFilters: SearchFilters = {
  userId: null,
  category: null,
  deliveryStatus: null,
  channel: null,
  createdAfter: null,
  createdBefore: null,
  idempotencyKey: null,
  notificationId: null,
};

exitCleanlyOnSignals();
const stack = await startStack();
try {
  const herald = await startHerald(stack, { name: "search" });
  try {
    const url = stack.postgres.url(herald.database);
    await loadListData({ url, users, perUser: 100, readPerUser: 70, userPrefix: "search-user-", log });
    log(`adding dead email deliveries to about ${deadPercent}% of the notifications...`);
    await stack.sql(
      herald.database,
      `INSERT INTO deliveries (id, notification_id, channel, status, attempts, due_at, last_error)
       SELECT uuidv7(), n.id, 'email', 'dead', 4, now(), '451 mailbox busy'
       FROM notifications n TABLESAMPLE BERNOULLI ($1)`,
      [deadPercent],
    );
    await stack.sql(herald.database, "VACUUM (ANALYZE) deliveries");
    const client = createClient(
      OperatorService,
      createConnectTransport({
        baseUrl: herald.url,
        httpVersion: "2",
        interceptors: [
          (next) => (req) => {
            req.header.set("Authorization", `Bearer ${herald.apiKey}`);
            return next(req);
          },
        ],
      }),
    );
    for (const c of cases) {
      const firstMs: number[] = [];
      const nextMs: number[] = [];
      for (let i = 0; i < calls; i++) {
        const request = c.request();
        const t0 = performance.now();
        const page = await client.searchNotifications(request);
        firstMs.push(performance.now() - t0);
        if (page.nextPageToken !== "" && i % 4 === 0) {
          const t1 = performance.now();
          await client.searchNotifications({ ...request, pageToken: page.nextPageToken });
          nextMs.push(performance.now() - t1);
        }
      }
      log(`${c.name}: first page ${JSON.stringify(summarize(firstMs))} ms`);
      if (nextMs.length > 0) log(`${c.name}: a next page ${JSON.stringify(summarize(nextMs))} ms`);
      const { text, values: bind } = searchStatement({
        filters: { ...noFilters, ...c.filters },
        beforeId: null,
        limit: 25,
        scanBudget: 10_000,
        statusBudget: 100_000,
      });
      const plan = await stack.sql<{ "QUERY PLAN": string }>(
        herald.database,
        `EXPLAIN (ANALYZE, BUFFERS) ${text}`,
        bind,
      );
      log(`${c.name}: plan\n${plan.map((r) => `    ${r["QUERY PLAN"]}`).join("\n")}`);
    }
  } finally {
    await herald.stop();
  }
} finally {
  await stack.stop();
  await cleanupAll();
}
