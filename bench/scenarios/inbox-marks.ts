import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { mintUserToken } from "../../src/auth/user-tokens.js";
import { startHerald } from "../lib/herald.js";
import { fmt, type ResultRow, type Scenario } from "../lib/scenario.js";
import { summarize } from "../lib/stats.js";

const perUser = 100;
const concurrency = 8;

/** One way of marking a user's 100 unseen notifications, each call on a user of its own. */
interface Mark {
  name: string;
  request: (ids: string[]) => { notificationIds?: string[]; all?: boolean; change: ChangeKind };
}

const marks: Mark[] = [
  { name: "seen, all (the inbox panel opens)", request: () => ({ all: true, change: ChangeKind.SEEN }) },
  { name: "seen, 100 ids", request: (ids) => ({ notificationIds: ids, change: ChangeKind.SEEN }) },
  { name: "read, all (for comparison)", request: () => ({ all: true, change: ChangeKind.READ }) },
];

/**
 * 14. Inbox marks: what marking 100 notifications seen costs. Each user has 100
 * unseen, unread notifications (loaded with SQL); each MarkRead call marks one
 * user's 100 seen (by `all`, or by naming the 100 ids), or read, through its
 * own user token: one UPDATE of 100 rows, one feed event, the counts moved.
 * Closed loop, 8 calls at once over gRPC.
 */
export const inboxMarks: Scenario = {
  id: 14,
  title: "Marking 100 notifications seen",
  async run(ctx) {
    const users = ctx.quick ? 300 : 2_000;
    const herald = await startHerald(ctx.stack, { name: "marks", cpuProfDir: ctx.cpuProfDir("14-marks") });
    const rows: ResultRow[] = [];
    const phases: Record<string, unknown>[] = [];
    try {
      const sql = <T extends object>(text: string, values?: unknown[]) =>
        ctx.stack.sql<T>(herald.database, text, values);
      ctx.log(`loading ${perUser} notifications for each of ${users * marks.length} users...`);
      await sql(
        `INSERT INTO notifications (id, tenant_id, user_id, seq, category, title, body, priority, send_at)
         SELECT uuidv7(), 'default', 'mark-' || u, s, 'bench.marks', 'title ' || s, 'b', 'normal', now()
         FROM generate_series(0, $1 - 1) u, generate_series(1, $2) s`,
        [users * marks.length, perUser],
      );
      await sql(
        `INSERT INTO user_feeds (tenant_id, user_id, seq, unread_count, unseen_count)
         SELECT 'default', 'mark-' || u, $2::int, $2::int, $2::int FROM generate_series(0, $1 - 1) u`,
        [users * marks.length, perUser],
      );
      await sql("VACUUM ANALYZE notifications");
      for (const [m, mark] of marks.entries()) {
        const first = m * users;
        const ids = new Map<string, string[]>();
        if (mark.name.includes("ids")) {
          const found = await sql<{ user_id: string; ids: string[] }>(
            `SELECT user_id, array_agg(id) AS ids FROM notifications
             WHERE tenant_id = 'default' AND user_id = ANY($1::text[]) GROUP BY user_id`,
            [Array.from({ length: users }, (_, i) => `mark-${first + i}`)],
          );
          for (const r of found) ids.set(r.user_id, r.ids);
        }
        const latencies: number[] = [];
        let next = 0;
        let changed = 0;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            const transport = createGrpcTransport({ baseUrl: herald.url });
            const client = createClient(NotificationService, transport);
            for (let i = next++; i < users; i = next++) {
              const userId = `mark-${first + i}`;
              const token = await mintUserToken(herald.userTokenSecret, userId, { ttlSeconds: 3600 });
              const t0 = performance.now();
              const res = await client.markRead(mark.request(ids.get(userId) ?? []), {
                headers: { Authorization: `Bearer ${token}` },
              });
              latencies.push(performance.now() - t0);
              changed += res.changedCount;
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        const latency = summarize(latencies);
        if (changed !== users * perUser) {
          throw new Error(`${mark.name}: ${changed} notifications changed, expected ${users * perUser}`);
        }
        ctx.log(
          `${mark.name}: ${fmt(users / seconds)} calls/s, p50 ${fmt(latency.p50)} ms, p99 ${fmt(latency.p99)} ms`,
        );
        phases.push({ name: mark.name, users, seconds, latency });
        rows.push({
          setting: `${mark.name}: 100 notifications per call, ${concurrency} at once`,
          throughput: { value: (users * perUser) / seconds, unit: "notifications/s" },
          latencyMs: latency,
          target: "",
          met: null,
        });
      }
    } finally {
      await herald.stop();
    }
    return {
      rows,
      details: { users, perUser, concurrency, phases },
      notes: [
        `${users} users per row, each with ${perUser} unseen, unread notifications loaded with SQL (and their feed heads); each MarkRead marks one user's 100 through that user's token (user tokens are minted before each call, outside the timing). Every call is checked to change exactly 100.`,
        "Clients: connect-node gRPC transports in the bench process, 8 calls in flight (closed loop).",
      ],
    };
  },
};
