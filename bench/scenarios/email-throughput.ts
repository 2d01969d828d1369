import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { defaultTenant } from "../../src/domain/tenant.js";
import { settledDeliveries } from "../lib/deliveries.js";
import { startHerald } from "../lib/herald.js";
import { type LoadMessage, runLoad, startLoad } from "../lib/load.js";
import { cpuWindow, formatCpu } from "../lib/machine.js";
import { fmt, type Scenario } from "../lib/scenario.js";
import { summarize } from "../lib/stats.js";
import type { SendLoadConfig } from "../load/send-load.js";

const target = 1000;
const deliveryConcurrency = 64;
const poolSize = 10;

/**
 * 6. Emails per second end to end: Send (1,000 recipients a call, email only)
 * -> outbox -> JetStream -> email worker -> SMTP (Mailpit, its own process).
 */
export const emailThroughput: Scenario = {
  id: 6,
  title: "Email throughput",
  async run(ctx) {
    const emails = ctx.quick ? 1000 : 5000;
    const mailpit = await ctx.stack.mailpit();
    const herald = await startHerald(ctx.stack, {
      name: "email",
      cpuProfDir: ctx.cpuProfDir("6-email"),
      env: {
        SMTP_URL: mailpit.smtpUrl,
        DELIVERY_CONCURRENCY: String(deliveryConcurrency),
        EMAIL_POOL_SIZE: String(poolSize),
      },
    });
    const sql = <T extends object>(text: string, values?: unknown[]) => ctx.stack.sql<T>(herald.database, text, values);
    const settled = (category: string) => settledDeliveries(ctx.stack, herald.database, "email", category);
    const base: SendLoadConfig = {
      port: herald.port,
      apiKey: herald.apiKey,
      concurrency: 1,
      connections: 1,
      recipients: 10,
      userPool: 10,
      userPrefix: "warm-user-",
      channels: [Channel.EMAIL],
      category: "bench.email.warmup",
      warmupMs: 0,
      durationMs: 60_000,
      maxCalls: 1,
    };
    let sent = 0;
    let failed = 0;
    let seconds = 0;
    let acceptSeconds = 0;
    let latencies: number[] = [];
    let cpu: Record<string, number> = {};
    try {
      await sql(
        `INSERT INTO recipients (tenant_id, user_id, addresses)
         SELECT $2, 'email-user-' || i, jsonb_build_object('email', 'email-user-' || i || '@example.com')
         FROM generate_series(0, $1 - 1) i
         UNION ALL SELECT $2, 'warm-user-' || i, jsonb_build_object('email', 'warm-user-' || i || '@example.com')
         FROM generate_series(0, 9) i`,
        [emails, defaultTenant],
      );
      // Warm up the whole path (JetStream consumer, SMTP pool) with 10 emails.
      const warm = await runLoad<LoadMessage & { errors: number; firstError: string }>("send-load", base, 60_000);
      if (warm.errors > 0) throw new Error(`the warm-up Send failed: ${warm.firstError}`);
      for (let i = 0; i < 300 && (await settled("bench.email.warmup")).sent < 10; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }

      const load = startLoad("send-load", {
        ...base,
        recipients: 1000,
        userPool: emails,
        userPrefix: "email-user-",
        category: "bench.email",
        maxCalls: emails / 1000,
        durationMs: 120_000,
      } satisfies SendLoadConfig);
      try {
        await load.next("measuring", 60_000);
        const t0 = performance.now();
        const window = cpuWindow(herald.processGroups());
        const accepted = await load.next<LoadMessage & { errors: number; firstError: string }>("result", 120_000);
        if (accepted.errors > 0) throw new Error(`${accepted.errors} Sends failed: ${accepted.firstError}`);
        acceptSeconds = (performance.now() - t0) / 1000;
        const deadline = Date.now() + (ctx.quick ? 60_000 : 180_000);
        while (Date.now() < deadline) {
          ({ sent, failed } = await settled("bench.email"));
          if (sent + failed >= emails) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        seconds = (performance.now() - t0) / 1000;
        cpu = window.stop();
      } finally {
        await load.stop();
      }
      const rows = await sql<{ ms: number }>(
        `SELECT extract(epoch FROM d.updated_at - d.created_at)::float8 * 1000 AS ms
         FROM deliveries d JOIN notifications n ON n.id = d.notification_id
         WHERE d.channel = 'email' AND d.status = 'sent' AND n.category = 'bench.email'`,
      );
      latencies = rows.map((r) => r.ms);
    } finally {
      await herald.stop();
    }
    const caught = (await (await fetch(`${mailpit.uiUrl}/api/v1/messages?limit=1`)).json()) as { total: number };
    const rate = sent / seconds;
    ctx.log(
      `${sent} of ${emails} emails sent in ${seconds.toFixed(1)} s = ${fmt(rate)}/s (Mailpit holds ${caught.total}); ${formatCpu(cpu)}`,
    );
    return {
      rows: [
        {
          setting: `${emails.toLocaleString("en-US")} emails (${emails / 1000} Sends × 1,000) to Mailpit; Send → SMTP accepted`,
          throughput: { value: rate, unit: "emails/s" },
          latencyMs: summarize(latencies),
          target: `≥ ${target.toLocaleString("en-US")} emails/s`,
          met: rate >= target && sent === emails,
          key: { label: "6. Email throughput", value: rate, target, unit: "/s", higherIsBetter: true },
        },
      ],
      details: { emails, sent, failed, seconds, acceptSeconds, caughtByMailpit: caught.total, cpu },
      notes: [
        `${emails / 1000} Sends of 1,000 recipients each (CHANNEL_EMAIL only, one after another) from a load process, after a 10-email warm-up; the clock runs from the first Send until every delivery is settled in Postgres (polled every 200 ms). Herald runs with DELIVERY_CONCURRENCY=${deliveryConcurrency}, EMAIL_POOL_SIZE=${poolSize}; Mailpit is the SMTP sink, in its own process.`,
        `All Sends were accepted after ${acceptSeconds.toFixed(2)} s. Latency per email: the delivery's created_at to its update as sent (Send to SMTP accepted). ${failed} deliveries failed; Mailpit caught ${caught.total} messages (including the warm-up).`,
      ],
    };
  },
};
