import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Channel, Priority } from "../../gen/ts/herald/v1/notification_pb.js";
import { FanoutState, NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { TenantService } from "../../gen/ts/herald/v1/tenant_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { bearer } from "../lib/bearer.js";
import { settledDeliveries } from "../lib/deliveries.js";
import { type BenchHerald, startHerald } from "../lib/herald.js";
import { fmt, type ResultRow, type Scenario, type ScenarioContext } from "../lib/scenario.js";
import { type LatencySummary, summarize } from "../lib/stats.js";

/**
 * 13. Fair dispatch between tenants: tenant `bigco` sends one topic fan-out
 * with an email to each of its members (normal priority: the bulk lane) while
 * tenant `smallco` sends one normal-priority email a second. Measured: the
 * time from each of smallco's Sends to its email being sent, against the same
 * on the idle server, once with the lane's line capped (DISPATCH_LANE_BACKLOG,
 * the default) and once without a cap, which is how the outbox relay worked
 * before tenants took turns: every due row published at once, so one
 * tenant's backlog is a line on JetStream that everyone waits behind.
 */
export const fairTenants: Scenario = {
  id: 13,
  title: "Fair dispatch between tenants",
  async run(ctx) {
    const members = ctx.quick ? 5_000 : 20_000;
    const mailpit = await ctx.stack.mailpit();
    const rows: ResultRow[] = [];
    const runs: Record<string, unknown>[] = [];
    const settings: Array<[string, string | undefined]> = [
      ["lane line capped (DISPATCH_LANE_BACKLOG default)", undefined],
      ["no cap (DISPATCH_LANE_BACKLOG=0: as before)", "0"],
    ];
    for (const [label, cap] of settings) {
      const herald = await startHerald(ctx.stack, {
        name: `fair${cap ?? "default"}`,
        cpuProfDir: ctx.cpuProfDir(`13-fair-${cap ?? "default"}`),
        env: { SMTP_URL: mailpit.smtpUrl, ...(cap === undefined ? {} : { DISPATCH_LANE_BACKLOG: cap }) },
      });
      try {
        const run = await fairRun(ctx, herald, members);
        ctx.log(
          `${label}: smallco's emails idle p50 ${fmt(run.idle.p50)} ms; during bigco's ${members.toLocaleString("en-US")} emails p50 ${fmt(run.during.p50)} ms, p99 ${fmt(run.during.p99)} ms, max ${fmt(run.during.max)} ms (${run.during.count}); bigco's emails took ${fmt(run.seconds)} s`,
        );
        runs.push({ label, cap: cap ?? "default", ...run });
        rows.push({
          setting: `${label}: another tenant's email (Send to sent) during a ${members.toLocaleString("en-US")}-email fan-out (${fmt(run.seconds)} s)`,
          throughput: { value: members / run.seconds, unit: "emails/s (bigco)" },
          latencyMs: run.during,
          target: cap === undefined ? "max ≤ 5,000 ms" : "",
          met: cap === undefined ? run.during.max <= 5_000 : null,
        });
      } finally {
        await herald.stop();
      }
    }
    return {
      rows,
      details: { members, runs },
      notes: [
        "Two tenants made through TenantService with the bootstrap key; each sends with its own API key. bigco's members are loaded with SQL (topic_subscribers and recipients with an email address), then one Send names the topic with channels [EMAIL], normal priority. Emails go to Mailpit.",
        "smallco sends a normal-priority email to one recipient every second from the fan-out's Send until bigco's last email is sent; latency = the delivery row's created_at (the Send's commit) to its updated_at when sent. Idle: 5 such emails before the fan-out.",
        "Same Herald, Postgres, NATS and Mailpit in both runs; only DISPATCH_LANE_BACKLOG differs.",
      ],
    };
  },
};

async function fairRun(ctx: ScenarioContext, herald: BenchHerald, members: number) {
  const sql = <T extends object>(text: string, values?: unknown[]) => ctx.stack.sql<T>(herald.database, text, values);
  const clientFor = <S extends Parameters<typeof createClient>[0]>(service: S, key: string) =>
    createClient(service, createGrpcTransport({ baseUrl: herald.url, interceptors: [bearer(key)] }));
  const tenants = clientFor(TenantService, herald.apiKey);
  const keyOf = async (tenantId: string) => {
    await tenants.createTenant({ id: tenantId, name: tenantId });
    return (await tenants.createTenantApiKey({ tenantId, name: "bench", scopes: ["send", "admin"] })).key;
  };
  const bigKey = await keyOf("bigco");
  const big = clientFor(NotificationService, bigKey);
  const small = clientFor(NotificationService, await keyOf("smallco"));
  const topicKey = "bench.fair.all";
  await clientFor(TopicService, bigKey).createTopic({ key: topicKey });
  await sql(
    `INSERT INTO topic_subscribers (tenant_id, topic_key, user_id)
     SELECT 'bigco', $1, 'member-' || lpad(i::text, 7, '0') FROM generate_series(0, $2 - 1) i`,
    [topicKey, members],
  );
  await sql("UPDATE topics SET subscriber_count = $2 WHERE tenant_id = 'bigco' AND key = $1", [topicKey, members]);
  await sql(
    `INSERT INTO recipients (tenant_id, user_id, addresses)
     SELECT 'bigco', 'member-' || lpad(i::text, 7, '0'), jsonb_build_object('email', 'm' || i || '@bigco.example')
     FROM generate_series(0, $1 - 1) i`,
    [members],
  );
  await sql("ANALYZE topic_subscribers");

  let n = 0;
  const smallEmail = async () => {
    const userId = `customer-${n++}`;
    await sql(
      "INSERT INTO recipients (tenant_id, user_id, addresses) VALUES ('smallco', $1, jsonb_build_object('email', $1 || '@smallco.example'))",
      [userId],
    );
    await small.send({
      userIds: [userId],
      category: "bench.fair.small",
      title: "Your invoice",
      body: "b",
      channels: [Channel.EMAIL],
      priority: Priority.NORMAL,
    });
  };
  for (let i = 0; i < 5; i++) {
    await smallEmail();
    await new Promise((r) => setTimeout(r, 1_000));
  }
  await waitSettled(ctx, herald, "bench.fair.small", 5);
  const idle = await latencies(sql);

  const category = "bench.fair.big";
  const started = performance.now();
  const { fanoutId } = await big.send({
    topics: [topicKey],
    category,
    title: "Announcement",
    body: "b",
    channels: [Channel.EMAIL],
  });
  let done = false;
  const during = (async () => {
    while (!done) {
      await smallEmail();
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  try {
    for (;;) {
      const { fanout } = await big.getFanout({ id: fanoutId });
      if (fanout !== undefined && fanout.state >= FanoutState.DONE) break;
      if (performance.now() - started > 30 * 60_000) throw new Error("fan-out did not finish in 30 minutes");
      await new Promise((r) => setTimeout(r, 500));
    }
    for (;;) {
      const s = await settledDeliveries(ctx.stack, herald.database, "email", category);
      if (s.sent + s.failed >= members) {
        if (s.sent !== members) throw new Error(`${s.failed} of bigco's emails failed`);
        break;
      }
      if (performance.now() - started > 60 * 60_000) throw new Error("emails did not settle in 60 minutes");
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    done = true;
    await during;
  }
  const seconds = (performance.now() - started) / 1000;
  await waitSettled(ctx, herald, "bench.fair.small", n);
  const all = await latencies(sql);
  // The idle ones are the first five by time.
  return { seconds, idle, during: summarize(all.samples.slice(5)) };
}

async function waitSettled(ctx: ScenarioContext, herald: BenchHerald, category: string, count: number) {
  for (let waited = 0; waited < 300_000; waited += 250) {
    const s = await settledDeliveries(ctx.stack, herald.database, "email", category);
    if (s.sent + s.failed >= count) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${category}: ${count} emails did not settle in 5 minutes`);
}

/** smallco's emails, Send's commit to sent, in the order they were sent. */
async function latencies(
  sql: <T extends object>(text: string, values?: unknown[]) => Promise<T[]>,
): Promise<LatencySummary & { samples: number[] }> {
  const rows = await sql<{ ms: number }>(
    `SELECT extract(epoch FROM d.updated_at - d.created_at) * 1000 AS ms FROM deliveries d
     JOIN notifications n ON n.tenant_id = d.tenant_id AND n.id = d.notification_id
     WHERE d.tenant_id = 'smallco' AND n.category = 'bench.fair.small' AND d.status = 'sent'
     ORDER BY d.created_at`,
  );
  const samples = rows.map((r) => Number(r.ms));
  return { ...summarize(samples), samples };
}
