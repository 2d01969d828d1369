import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { OperatorService, SearchNotificationsRequestSchema } from "../../gen/ts/herald/v1/operator_service_pb.js";
import { grpcWithKey } from "../lib/bearer.js";
import { consoleFirstRender } from "../lib/console-render.js";
import { startHerald } from "../lib/herald.js";
import { loadListData } from "../lib/list-data.js";
import { fmt, type ResultRow, type Scenario } from "../lib/scenario.js";
import { summarize } from "../lib/stats.js";

const perUser = 100;
/** One notification in `deliveryEvery` gets an email delivery; one of those in `deadEvery` is dead. */
const deliveryEvery = 10;
const deadEvery = 1000;
const targetP99 = 100;

type Case = { name: string; request: (i: number) => MessageInitShape<typeof SearchNotificationsRequestSchema> };

/**
 * 10. The console's activity search on a big table: SearchNotifications as the
 * console calls it (first page, 25 rows) for each filter, and the console's
 * first render of the activity page in Chromium. Same data as scenario 5, plus
 * an email delivery for one notification in 10 (a tenth of a percent of those
 * dead).
 */
export const consoleSearch: Scenario = {
  id: 10,
  title: "Console activity search at scale",
  async run(ctx) {
    const users = ctx.listRows / perUser;
    const herald = await startHerald(ctx.stack, { name: "console", env: { CONSOLE_ENABLED: "true" } });
    const rows: ResultRow[] = [];
    const calls = ctx.quick ? 20 : 100;
    const details: Record<string, unknown> = {};
    try {
      ctx.log(`loading ${ctx.listRows.toLocaleString("en-US")} notifications...`);
      const load = await loadListData({
        url: ctx.stack.postgres.url(herald.database),
        users,
        perUser,
        readPerUser: 70,
        userPrefix: "list-user-",
        log: ctx.log,
      });
      const t0 = performance.now();
      await ctx.stack.sql(
        herald.database,
        `INSERT INTO deliveries
           (id, tenant_id, notification_id, channel, status, attempts, last_error, due_at, created_at, updated_at)
         SELECT uuidv7(), n.tenant_id, n.id, 'email', CASE WHEN n.seq % $2 = 0 AND hashtext(n.user_id) % $3 = 0 THEN 'dead' ELSE 'sent' END,
           1, '', n.created_at, n.created_at, n.created_at
         FROM notifications n WHERE n.seq % $1 = 0`,
        [deliveryEvery, deliveryEvery, deadEvery / deliveryEvery],
      );
      await ctx.stack.sql(herald.database, "VACUUM (ANALYZE) deliveries");
      const [counts] = await ctx.stack.sql<{ deliveries: string; dead: string }>(
        herald.database,
        "SELECT count(*) AS deliveries, count(*) FILTER (WHERE status = 'dead') AS dead FROM deliveries",
      );
      const deliverySeconds = (performance.now() - t0) / 1000;
      ctx.log(`data loaded (${counts?.deliveries} deliveries, ${counts?.dead} dead, ${fmt(deliverySeconds)} s)`);
      details.load = { ...load, deliverySeconds, deliveries: Number(counts?.deliveries), dead: Number(counts?.dead) };

      const client = createClient(OperatorService, grpcWithKey(herald.url, herald.apiKey));
      const user = (i: number) => `list-user-${(i * 7919) % users}`;
      const [span] = await ctx.stack.sql<{ lo: Date; hi: Date }>(
        herald.database,
        "SELECT min(created_at) AS lo, max(created_at) AS hi FROM notifications",
      );
      const mid = (span?.lo.getTime() ?? 0) / 2 + (span?.hi.getTime() ?? 0) / 2;
      const cases: Case[] = [
        { name: "newest, no filter", request: () => ({}) },
        { name: "by user", request: (i) => ({ userId: user(i) }) },
        { name: "by category", request: () => ({ category: "billing" }) },
        { name: "dead deliveries", request: () => ({ deliveryStatus: DeliveryStatus.DEAD }) },
        {
          name: "one hour, mid-table",
          request: () => ({
            createAfter: timestampFromDate(new Date(mid)),
            createBefore: timestampFromDate(new Date(mid + 3_600_000)),
          }),
        },
        { name: "user and category", request: (i) => ({ userId: user(i), category: "orders" }) },
      ];
      const perCase: Record<string, unknown> = {};
      for (const c of cases) {
        const times: number[] = [];
        let found = 0;
        for (let i = 0; i < calls + 5; i++) {
          const request = create(SearchNotificationsRequestSchema, { pageSize: 25, ...c.request(i) });
          const start = performance.now();
          const page = await client.searchNotifications(request);
          const ms = performance.now() - start;
          if (i >= 5) times.push(ms); // the first five warm the plan cache and the connection
          found = page.notifications.length;
        }
        const latencyMs = summarize(times);
        perCase[c.name] = { latencyMs, rowsOnLastPage: found };
        ctx.log(`search ${c.name}: p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms (${found} rows)`);
        rows.push({
          setting: `SearchNotifications, ${c.name} (first page of 25)`,
          throughput: null,
          latencyMs,
          target: `p99 ≤ ${targetP99} ms`,
          met: latencyMs.p99 <= targetP99,
        });
      }
      details.search = perCase;

      const render = await consoleFirstRender({ url: herald.url, apiKey: herald.apiKey, runs: ctx.quick ? 3 : 7 });
      details.firstRender = render;
      if (render.skipped !== undefined) {
        ctx.log(`console first render skipped: ${render.skipped}`);
      } else {
        ctx.log(`console first render: median ${render.medianMs} ms, max ${render.maxMs} ms`);
        rows.push({
          setting: "Console: activity page first render (navigation to first row, Chromium)",
          throughput: null,
          latencyMs: { p50: render.medianMs, p95: render.maxMs, p99: render.maxMs },
          target: "",
          met: null,
        });
      }
    } finally {
      await herald.stop();
    }
    return {
      rows,
      details,
      notes: [
        `Scenario 5's data (${ctx.listRows.toLocaleString("en-US")} notifications, ${perUser} per user), plus an email delivery for one notification in ${deliveryEvery} (one in ${deadEvery} of all notifications dead). Each search case: ${calls} sequential SearchNotifications calls over gRPC with an admin key, page size 25, after 5 warm-up calls; users and windows vary per call.`,
        "First render: Chromium (headless) loads /console/ with the API key already in session storage and the activity page open; the time runs from navigation to the first result row being visible, median and max of the runs (the first run, with a cold bundle cache, included).",
      ],
    };
  },
};
