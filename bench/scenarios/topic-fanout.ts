import { createClient } from "@connectrpc/connect";
import { Channel, Priority } from "../../gen/ts/herald/v1/notification_pb.js";
import { FanoutState, NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { TenantService } from "../../gen/ts/herald/v1/tenant_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { defaultTenant } from "../../src/domain/tenant.js";
import { grpcWithKey } from "../lib/bearer.js";
import { settledDeliveries } from "../lib/deliveries.js";
import { type BenchHerald, startHerald } from "../lib/herald.js";
import { residentKiB } from "../lib/machine.js";
import { fmt, type ResultRow, type Scenario, type ScenarioContext } from "../lib/scenario.js";
import { type LatencySummary, summarize } from "../lib/stats.js";

/**
 * 12. Topic fan-out: one Send to a topic of 1,000,000 members (in-app only),
 * then one of 100,000 (in-app and email to Mailpit): time until every
 * notification is written (and its feed event published: both happen at a
 * chunk's commit) or every email is sent; notifications/s; Herald's and
 * Postgres's peak memory; and, while the fan-out runs, the latency of
 * unrelated single-recipient Sends from another tenant, against the same
 * Sends on the idle server.
 */
export const topicFanout: Scenario = {
  id: 12,
  title: "Topic fan-out",
  async run(ctx) {
    const big = ctx.quick ? 100_000 : 1_000_000;
    const withEmail = ctx.quick ? 10_000 : 100_000;
    const mailpit = await ctx.stack.mailpit();
    const herald = await startHerald(ctx.stack, {
      name: "fanout",
      cpuProfDir: ctx.cpuProfDir("12-fanout"),
      env: { SMTP_URL: mailpit.smtpUrl },
    });
    const rows: ResultRow[] = [];
    const runs: Record<string, unknown>[] = [];
    try {
      const transport = grpcWithKey(herald.url, herald.apiKey);
      const client = createClient(NotificationService, transport);
      const topics = createClient(TopicService, transport);
      // The unrelated Sends come from another tenant, with a key of its own.
      const tenants = createClient(TenantService, transport);
      await tenants.createTenant({ id: "other", name: "Another tenant" });
      const { key: otherKey } = await tenants.createTenantApiKey({
        tenantId: "other",
        name: "bench",
        scopes: ["send"],
      });
      const other = createClient(NotificationService, grpcWithKey(herald.url, otherKey));
      const idle = await unrelatedSends(other, "idle", 5_000, () => false);
      ctx.log(`idle single Sends: p50 ${fmt(idle.p50)} ms, p99 ${fmt(idle.p99)} ms (${idle.count})`);
      const cases: Array<[number, Channel[], string]> = [
        [big, [Channel.IN_APP], "in-app"],
        [withEmail, [Channel.IN_APP, Channel.EMAIL], "in-app + email"],
      ];
      for (const [members, channels, label] of cases) {
        const key = `bench.fanout.${members}`;
        await topics.createTopic({ key });
        await loadMembers(ctx, herald, key, members, channels.includes(Channel.EMAIL));
        const run = await fanoutRun(ctx, herald, client, other, key, members, channels);
        ctx.log(
          `${members.toLocaleString("en-US")} members, ${label}: ${fmt(run.seconds)} s, ${fmt(run.perSecond)} notifications/s, Herald peak ${fmt(run.heraldPeakMiB)} MiB, Postgres peak ${fmt(run.postgresPeakMiB)} MiB; unrelated Sends p99 ${fmt(run.unrelated.p99)} ms (idle ${fmt(idle.p99)})`,
        );
        runs.push({ members, label, ...run, idle });
        if (run.urgentEmailMs !== null) {
          ctx.log(
            `critical emails during it: p50 ${fmt(run.urgentEmailMs.p50)} ms, max ${fmt(run.urgentEmailMs.max)} ms (${run.urgentEmailMs.count})`,
          );
          rows.push({
            setting: `a PRIORITY_CRITICAL email a second during the ${members.toLocaleString("en-US")}-email fan-out (commit to sent)`,
            throughput: { value: run.urgentEmailMs.count, unit: "emails" },
            latencyMs: run.urgentEmailMs,
            target: "max ≤ 5,000 ms",
            met: run.urgentEmailMs.max <= 5000,
          });
        }
        rows.push({
          setting: `${members.toLocaleString("en-US")} members, ${label} (${fmt(run.seconds)} s; Herald ${fmt(run.heraldPeakMiB)} MiB, Postgres ${fmt(run.postgresPeakMiB)} MiB peak)`,
          throughput: { value: run.perSecond, unit: "notifications/s" },
          latencyMs: run.unrelated,
          target: `unrelated Send p99 ≤ 2x idle (${fmt(2 * idle.p99)} ms)`,
          met: run.unrelated.p99 <= 2 * idle.p99,
        });
      }
    } finally {
      await herald.stop();
    }
    return {
      rows,
      details: { runs },
      notes: [
        "Members are loaded with SQL (topic_subscribers rows, then the topic's count), recipients with an email address for the email run. One Send names the topic; the clock runs from the Send until GetFanout says DONE (every chunk written: its notifications, inbox rows, feed events and outbox rows commit together, and its feed events are published right after) and, for the email run, until every email delivery is sent to Mailpit.",
        "During the email run, a PRIORITY_CRITICAL email to another recipient is sent every second; its row gives the time from its Send's commit to its delivery being sent (deliveries.created_at to updated_at).",
        "Latency columns: single-recipient in-app Sends from another tenant (its own API key), one at a time, while the fan-out runs (the idle figure is the same loop before any fan-out). Peak memory: Herald's resident set, and the sum of Postgres's processes' resident sets (shared buffers counted in each process that touched them), sampled every 500 ms.",
      ],
    };
  },
};

async function loadMembers(ctx: ScenarioContext, herald: BenchHerald, key: string, members: number, email: boolean) {
  const sql = (text: string, values?: unknown[]) => ctx.stack.sql(herald.database, text, values);
  const prefix = `${key}-user-`;
  await sql(
    `INSERT INTO topic_subscribers (tenant_id, topic_key, user_id)
     SELECT $4, $1, $2 || lpad(i::text, 7, '0') FROM generate_series(0, $3 - 1) i`,
    [key, prefix, members, defaultTenant],
  );
  await sql("UPDATE topics SET subscriber_count = $2 WHERE tenant_id = $3 AND key = $1", [key, members, defaultTenant]);
  if (email) {
    await sql(
      `INSERT INTO recipients (tenant_id, user_id, addresses)
       SELECT $3, $1 || lpad(i::text, 7, '0'), jsonb_build_object('email', 'u' || i || '@example.com')
       FROM generate_series(0, $2 - 1) i`,
      [prefix, members, defaultTenant],
    );
  }
  await sql("ANALYZE topic_subscribers");
}

async function fanoutRun(
  ctx: ScenarioContext,
  herald: BenchHerald,
  client: ReturnType<typeof createClient<typeof NotificationService>>,
  other: ReturnType<typeof createClient<typeof NotificationService>>,
  key: string,
  members: number,
  channels: Channel[],
) {
  const category = `bench.fanout.send${members}`;
  const postgresPids = ctx.stack.processGroups().postgres as () => number[];
  let heraldPeak = 0;
  let postgresPeak = 0;
  const sample = () => {
    heraldPeak = Math.max(heraldPeak, herald.rssKiB());
    postgresPeak = Math.max(
      postgresPeak,
      postgresPids().reduce((sum, pid) => sum + (residentKiB(pid) || 0), 0),
    );
  };
  const sampler = setInterval(sample, 500);
  let done = false;
  const started = performance.now();
  const { fanoutId } = await client.send({ topics: [key], category, title: "Announcement", body: "b", channels });
  const unrelated = unrelatedSends(other, "during", 30 * 60_000, () => done);
  // With email: a critical email to someone else every second while the fan-out's emails queue.
  const urgent = channels.includes(Channel.EMAIL) ? urgentEmails(ctx, herald, client, () => done) : null;
  try {
    for (;;) {
      const { fanout } = await client.getFanout({ id: fanoutId });
      if (fanout !== undefined && fanout.state >= FanoutState.DONE) {
        if (Number(fanout.written) !== members) throw new Error(`fan-out wrote ${fanout.written} of ${members}`);
        break;
      }
      if (performance.now() - started > 30 * 60_000) throw new Error("fan-out did not finish in 30 minutes");
      await new Promise((r) => setTimeout(r, 250));
    }
    const writtenAt = performance.now();
    if (channels.includes(Channel.EMAIL)) {
      for (;;) {
        const s = await settledDeliveries(ctx.stack, herald.database, "email", category);
        if (s.sent + s.failed >= members) break;
        if (performance.now() - started > 60 * 60_000) throw new Error("emails did not settle in 60 minutes");
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    done = true;
    const [counts] = await ctx.stack.sql<{ rows: number; users: number }>(
      herald.database,
      "SELECT count(*)::int AS rows, count(DISTINCT user_id)::int AS users FROM notifications WHERE category = $1",
      [category],
    );
    if (counts?.rows !== members || counts.users !== members) {
      throw new Error(`expected ${members} notifications, one per member: ${JSON.stringify(counts)}`);
    }
    return {
      seconds,
      writtenSeconds: (writtenAt - started) / 1000,
      perSecond: members / ((writtenAt - started) / 1000),
      heraldPeakMiB: heraldPeak / 1024,
      postgresPeakMiB: postgresPeak / 1024,
      unrelated: await unrelated,
      urgentEmailMs: urgent === null ? null : await urgent,
    };
  } finally {
    done = true;
    clearInterval(sampler);
  }
}

/**
 * PRIORITY_CRITICAL emails to one recipient each, one a second until `stop()`:
 * the time from each Send's commit to its delivery being sent (the delivery
 * row's own timestamps), read once they have all settled.
 */
async function urgentEmails(
  ctx: ScenarioContext,
  herald: BenchHerald,
  client: ReturnType<typeof createClient<typeof NotificationService>>,
  stop: () => boolean,
): Promise<LatencySummary> {
  const sql = <T extends object>(text: string, values?: unknown[]) => ctx.stack.sql<T>(herald.database, text, values);
  let sent = 0;
  for (; !stop(); sent++) {
    const userId = `urgent-${sent}`;
    await sql(
      `INSERT INTO recipients (tenant_id, user_id, addresses) VALUES ($2, $1, jsonb_build_object('email', $1 || '@example.com'))
       ON CONFLICT (tenant_id, user_id) DO NOTHING`,
      [userId, defaultTenant],
    );
    await client.send({
      userIds: [userId],
      category: "bench.urgent",
      title: "Reset your password",
      body: "b",
      channels: [Channel.EMAIL],
      priority: Priority.CRITICAL,
    });
    await new Promise((r) => setTimeout(r, 1000));
  }
  for (let waited = 0; waited < 120_000; waited += 500) {
    const [row] = await sql<{ open: number }>(
      `SELECT count(*)::int AS open FROM deliveries d JOIN notifications n ON n.id = d.notification_id
       WHERE n.category = 'bench.urgent' AND d.status NOT IN ('sent', 'dead')`,
    );
    if (row?.open === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const rows = await sql<{ ms: number }>(
    `SELECT extract(epoch FROM d.updated_at - d.created_at) * 1000 AS ms FROM deliveries d
     JOIN notifications n ON n.id = d.notification_id WHERE n.category = 'bench.urgent' AND d.status = 'sent'`,
  );
  return summarize(rows.map((r) => Number(r.ms)));
}

/** Single-recipient in-app Sends one at a time until `stop()` or `ms`: their latencies. */
async function unrelatedSends(
  client: ReturnType<typeof createClient<typeof NotificationService>>,
  label: string,
  ms: number,
  stop: () => boolean,
): Promise<LatencySummary> {
  const latencies: number[] = [];
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end && !stop(); i++) {
    const t0 = performance.now();
    await client.send({
      userIds: [`other-${label}-${i % 1000}`],
      category: "bench.unrelated",
      title: "Reset",
      body: "b",
      channels: [Channel.IN_APP],
    });
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return summarize(latencies);
}
