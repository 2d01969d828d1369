import type { MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import type { WorkflowSchema } from "../../gen/ts/herald/v1/workflow_pb.js";
import { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";
import { defaultTenant } from "../../src/domain/tenant.js";
import { bearer } from "../lib/bearer.js";
import { startHerald } from "../lib/herald.js";
import { type LoadMessage, startLoad } from "../lib/load.js";
import { cpuWindow, formatCpu } from "../lib/machine.js";
import { fmt, type ResultRow, type Scenario } from "../lib/scenario.js";
import { type LatencySummary, summarize } from "../lib/stats.js";
import type { WorkflowSendConfig } from "../load/workflow-send.js";

type SendsResult = LoadMessage & {
  calls: number;
  errors: number;
  firstError: string;
  seconds: number;
  skipped?: number;
  callsPerSecond?: number;
  latencyMs: LatencySummary;
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const escalationDelayS = 5;

/**
 * 8. Workflow timers. A: 100,000 delay timers due within one minute, fired by
 * one Herald process with the default WORKFLOW_TIMER_* settings: firing rate and
 * lag from due time to the delivery being queued. B: an escalation workflow
 * (in-app now, after 5 s email if still unread) at 500 Sends/s.
 */
export const workflowTimers: Scenario = {
  id: 8,
  title: "Workflow timers",
  async run(ctx) {
    const timers = ctx.quick ? 10_000 : 100_000;
    const recipients = 1000;
    const sends = timers / recipients;
    const spreadMs = ctx.quick ? 10_000 : 60_000;
    const dueStepMs = Math.floor(spreadMs / sends);
    const escalationRate = 500;
    const escalationMs = ctx.quick ? 5_000 : 20_000;
    const escalationUsers = Math.ceil((escalationRate * escalationMs) / 1000);

    const mailpit = await ctx.stack.mailpit();
    const herald = await startHerald(ctx.stack, {
      name: "wftimers",
      cpuProfDir: ctx.cpuProfDir("8-workflow-timers"),
      env: { SMTP_URL: mailpit.smtpUrl },
    });
    const sql = <T extends object>(text: string, values?: unknown[]) => ctx.stack.sql<T>(herald.database, text, values);
    const rows: ResultRow[] = [];
    const details: Record<string, unknown> = {};
    const notes: string[] = [];
    const base = { port: herald.port, apiKey: herald.apiKey, connections: 2 };
    try {
      const client = createClient(
        WorkflowService,
        createConnectTransport({
          baseUrl: herald.url,
          httpVersion: "1.1",
          interceptors: [bearer(herald.apiKey)],
        }),
      );
      const delayWorkflow: MessageInitShape<typeof WorkflowSchema> = {
        key: "bench-delay",
        categories: ["bench.delay", "bench.delay.*"],
        steps: [
          { kind: { case: "delay", value: { until: { case: "dataPath", value: "due" } } } },
          { kind: { case: "deliver", value: { channels: [Channel.IN_APP] } } },
        ],
      };
      const escalationWorkflow: MessageInitShape<typeof WorkflowSchema> = {
        key: "bench-escalation",
        categories: ["bench.escalate"],
        steps: [
          { kind: { case: "deliver", value: { channels: [Channel.IN_APP] } } },
          {
            kind: {
              case: "delay",
              value: { until: { case: "duration", value: { seconds: BigInt(escalationDelayS), nanos: 0 } } },
            },
          },
          { kind: { case: "condition", value: { expression: "!notification.read" } } },
          { kind: { case: "deliver", value: { channels: [Channel.EMAIL] } } },
        ],
      };
      await client.upsertWorkflow({ workflow: delayWorkflow });
      await client.upsertWorkflow({ workflow: escalationWorkflow });
      await sql(
        `INSERT INTO recipients (tenant_id, user_id, addresses)
         SELECT $2, 'esc-user-' || i, jsonb_build_object('email', 'esc-user-' || i || '@example.com')
         FROM generate_series(0, $1 - 1) i`,
        [escalationUsers, defaultTenant],
      );

      const inAppCount = async (category: string) => {
        const [row] = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM deliveries d JOIN notifications n ON n.id = d.notification_id
           WHERE d.channel = 'in_app' AND n.category = $1`,
          [category],
        );
        return row?.n ?? 0;
      };

      // ---- Part A: warm-up, which also tells how fast runs start here. ----
      const warmRuns = 2000;
      const warmT0 = performance.now();
      const warm = startLoad("workflow-send", {
        ...base,
        mode: "batch",
        category: "bench.delay.warm",
        userPrefix: "warm-user-",
        sends: warmRuns / recipients,
        recipients,
        concurrency: 2,
        dueBaseMs: 0,
      } satisfies WorkflowSendConfig);
      try {
        const w = await warm.next<SendsResult>("result", 120_000);
        if (w.errors > 0) throw new Error(`warm-up Sends failed: ${w.firstError}`);
      } finally {
        await warm.stop();
      }
      for (let i = 0; i < 1200 && (await inAppCount("bench.delay.warm")) < warmRuns; i++) await sleep(100);
      const warmSeconds = (performance.now() - warmT0) / 1000;
      const warmRate = warmRuns / warmSeconds;
      // Time to Send and start every run, with room to spare, so every timer
      // exists before the first is due.
      // (Starting a run alone, without the deliver, measured about 1,500 runs/s
      // on 2 shared cores: 100,000 in about 70 s.) The scenario checks and
      // records whether every run was waiting before the first timer was due.
      const marginS = ctx.quick ? 20 : 90;
      ctx.log(
        `warm-up: ${warmRuns} runs (Send, start, deliver) in ${warmSeconds.toFixed(1)} s = ${fmt(warmRate)} runs/s; first timer due in ${marginS} s`,
      );

      // ---- Part A: create the timers. ----
      const createT0 = performance.now();
      const dueBaseMs = Date.now() + marginS * 1000;
      const load = startLoad("workflow-send", {
        ...base,
        mode: "batch",
        category: "bench.delay",
        userPrefix: "user-",
        sends,
        recipients,
        concurrency: 4,
        dueBaseMs,
        dueStepMs,
      } satisfies WorkflowSendConfig);
      let created: SendsResult;
      try {
        created = await load.next<SendsResult>("result", marginS * 1000);
      } finally {
        await load.stop();
      }
      if (created.errors > 0) throw new Error(`${created.errors} Sends failed: ${created.firstError}`);
      const pending = async () => {
        const [row] = await sql<{ start: number; delay: number }>(
          `SELECT count(*) FILTER (WHERE purpose = 'start')::int AS start,
                  count(*) FILTER (WHERE purpose = 'delay')::int AS delay FROM workflow_timers`,
        );
        return row ?? { start: 0, delay: 0 };
      };
      let p = await pending();
      while (Date.now() < dueBaseMs && (p.start > 0 || p.delay < timers)) {
        await sleep(200);
        p = await pending();
      }
      const createSeconds = (performance.now() - createT0) / 1000;
      const slackS = (dueBaseMs - Date.now()) / 1000;
      const allWaiting = p.start === 0 && p.delay === timers;
      ctx.log(
        `${created.calls} Sends of ${recipients} in ${created.seconds.toFixed(1)} s; ${p.delay} delay timers waiting after ${createSeconds.toFixed(1)} s (${p.start} runs not started), ${slackS.toFixed(1)} s before the first is due`,
      );
      const [{ min_due, max_due }] = (await sql<{ min_due: Date; max_due: Date }>(
        `SELECT min(due_at) AS min_due, max(due_at) AS max_due FROM workflow_timers WHERE purpose = 'delay'`,
      )) as [{ min_due: Date; max_due: Date }];

      // ---- Part A: fire. ----
      await sleep(dueBaseMs - Date.now() - 200);
      const fireCpu = cpuWindow(herald.processGroups());
      const fireT0 = performance.now();
      const fireDeadline = Date.now() + spreadMs + (ctx.quick ? 120_000 : 300_000);
      let fired = 0;
      let lastLog = 0;
      while (Date.now() < fireDeadline) {
        fired = await inAppCount("bench.delay");
        if (fired >= timers) break;
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          ctx.log(`  ${fired} fired after ${((performance.now() - fireT0) / 1000).toFixed(0)} s`);
        }
        await sleep(250);
      }
      const firingCpu = fireCpu.stop();
      const lagRows = await sql<{ ms: number }>(
        `SELECT extract(epoch FROM d.created_at - (n.data->>'due')::timestamptz)::float8 * 1000 AS ms
         FROM deliveries d JOIN notifications n ON n.id = d.notification_id
         WHERE d.channel = 'in_app' AND n.category = 'bench.delay'`,
      );
      const [span] = await sql<{ first_due: Date; last_due: Date; last_fired: Date; n: number }>(
        `SELECT min((n.data->>'due')::timestamptz) AS first_due, max((n.data->>'due')::timestamptz) AS last_due,
                max(d.created_at) AS last_fired, count(*)::int AS n
         FROM deliveries d JOIN notifications n ON n.id = d.notification_id
         WHERE d.channel = 'in_app' AND n.category = 'bench.delay'`,
      );
      const statuses = await sql<{ status: string; n: number }>(
        `SELECT d.status, count(*)::int AS n FROM deliveries d JOIN notifications n ON n.id = d.notification_id
         WHERE d.channel = 'in_app' AND n.category = 'bench.delay' GROUP BY 1 ORDER BY 1`,
      );
      const firingSeconds =
        span === undefined ? Number.NaN : (span.last_fired.getTime() - span.first_due.getTime()) / 1000;
      const firingRate = fired / firingSeconds;
      const lag = summarize(lagRows.map((r) => r.ms));
      const startRate = timers / createSeconds;
      ctx.log(
        `A: ${fired} of ${timers} timers fired in ${firingSeconds.toFixed(1)} s (first due to last delivery) = ${fmt(firingRate)}/s; lag p50 ${fmt(lag.p50)} ms, p99 ${fmt(lag.p99)} ms; ${formatCpu(firingCpu)}`,
      );
      rows.push(
        {
          setting: `A: ${timers.toLocaleString("en-US")} runs started (${sends} Sends × ${recipients}, 4 in flight) until all wait on their delay`,
          throughput: { value: startRate, unit: "runs/s" },
          latencyMs: created.latencyMs,
          target: "",
          met: null,
        },
        {
          setting: `A: ${timers.toLocaleString("en-US")} delay timers due over ${((span ? span.last_due.getTime() - span.first_due.getTime() : 0) / 1000).toFixed(0)} s, fired (due → in-app delivery queued)`,
          throughput: { value: firingRate, unit: "timers/s" },
          latencyMs: lag,
          target: "",
          met: null,
        },
      );
      details.partA = {
        timers,
        sends,
        recipients,
        dueSpreadMs: spreadMs,
        dueStepMs,
        warmRuns,
        warmSeconds,
        marginSeconds: marginS,
        sendSeconds: created.seconds,
        sendLatencyMs: created.latencyMs,
        createSeconds,
        allWaitingBeforeFirstDue: allWaiting,
        slackBeforeFirstDueSeconds: slackS,
        timerDueMin: min_due,
        timerDueMax: max_due,
        fired,
        firstDue: span?.first_due,
        lastDue: span?.last_due,
        lastFired: span?.last_fired,
        firingSeconds,
        firingRate,
        lagMs: lag,
        deliveryStatuses: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
        cpu: firingCpu,
      };
      notes.push(
        `A: workflow \`bench-delay\` = [delay until data.due, deliver in-app]. ${sends} Sends of ${recipients} users (4 in flight, from a load process) carry data.due = T + i × ${dueStepMs} ms, so the ${timers.toLocaleString("en-US")} delay timers come due evenly over ${(((sends - 1) * dueStepMs) / 1000).toFixed(1)} s whatever the start rate; T was set ${marginS} s after the Sends began (after a ${warmRuns}-run warm-up at ${fmt(warmRate)} runs/s, Send to in-app delivery). All runs were waiting ${allWaiting ? `${slackS.toFixed(1)} s before the first was due` : "NOT before the first was due"}. Herald runs the default WORKFLOW_TIMER_BATCH=100, WORKFLOW_TIMER_CONCURRENCY=2, WORKFLOW_TIMER_INTERVAL_MS=1000, DATABASE_POOL_MAX=20.`,
        `A: firing rate = timers fired / (last in-app delivery's created_at − first due time); lag per timer = its in-app delivery's created_at − data.due (computed in SQL after the run). CPU over the firing phase: ${formatCpu(firingCpu)}. The first row's rate is runs/s from the first Send until every run waits on its delay (each run's start timer fired); its latency is per Send of 1,000.`,
      );

      // ---- Part B: escalation at 500 Sends/s. ----
      const esc = startLoad("workflow-send", {
        ...base,
        mode: "paced",
        category: "bench.escalate",
        userPrefix: "esc-user-",
        rate: escalationRate,
        durationMs: escalationMs,
        maxInFlight: 256,
        userPool: escalationUsers,
      } satisfies WorkflowSendConfig);
      let sent: SendsResult;
      let escCpu: Record<string, number>;
      let escalated = 0;
      try {
        await esc.next("measuring", 60_000);
        const t0 = performance.now();
        const window = cpuWindow(herald.processGroups());
        sent = await esc.next<SendsResult>("result", escalationMs + 120_000);
        const emailCount = async () => {
          const [row] = await sql<{ n: number }>(
            `SELECT count(*)::int AS n FROM deliveries d JOIN notifications n ON n.id = d.notification_id
             WHERE d.channel = 'email' AND n.category = 'bench.escalate'`,
          );
          return row?.n ?? 0;
        };
        const deadline = Date.now() + escalationDelayS * 1000 + (ctx.quick ? 60_000 : 120_000);
        while (Date.now() < deadline) {
          escalated = await emailCount();
          if (escalated >= sent.calls) break;
          await sleep(250);
        }
        escCpu = window.stop();
        ctx.log(
          `B: ${escalated} of ${sent.calls} escalations queued ${((performance.now() - t0) / 1000).toFixed(1)} s after the first Send`,
        );
      } finally {
        await esc.stop();
      }
      const escLag = summarize(
        (
          await sql<{ ms: number }>(
            `SELECT extract(epoch FROM d.created_at - ((r.steps->0->>'fired_at')::timestamptz + interval '${escalationDelayS} seconds'))::float8 * 1000 AS ms
             FROM deliveries d JOIN workflow_runs r ON r.notification_id = d.notification_id
             JOIN notifications n ON n.id = d.notification_id
             WHERE d.channel = 'email' AND n.category = 'bench.escalate'`,
          )
        ).map((r) => r.ms),
      );
      const firstLag = summarize(
        (
          await sql<{ ms: number }>(
            `SELECT extract(epoch FROM d.created_at - n.created_at)::float8 * 1000 AS ms
             FROM deliveries d JOIN notifications n ON n.id = d.notification_id
             WHERE d.channel = 'in_app' AND n.category = 'bench.escalate'`,
          )
        ).map((r) => r.ms),
      );
      const [escSpan] = await sql<{ s: number }>(
        `SELECT extract(epoch FROM max(d.created_at) - min(d.created_at))::float8 AS s
         FROM deliveries d JOIN notifications n ON n.id = d.notification_id
         WHERE d.channel = 'email' AND n.category = 'bench.escalate'`,
      );
      const achieved = sent.callsPerSecond ?? Number.NaN;
      ctx.log(
        `B: ${fmt(achieved)} Sends/s (${sent.skipped ?? 0} skipped, ${sent.errors} errors), Send p50 ${fmt(sent.latencyMs.p50)} ms p99 ${fmt(sent.latencyMs.p99)} ms; escalation lag p50 ${fmt(escLag.p50)} ms p99 ${fmt(escLag.p99)} ms; ${formatCpu(escCpu)}`,
      );
      rows.push(
        {
          setting: `B: escalation Sends (1 recipient) open-loop at ${escalationRate}/s for ${escalationMs / 1000} s`,
          throughput: { value: achieved, unit: "Sends/s" },
          latencyMs: sent.latencyMs,
          target: "",
          met: null,
        },
        {
          setting: "B: Send → first step's in-app delivery queued (start timer)",
          throughput: null,
          latencyMs: firstLag,
          target: "",
          met: null,
        },
        {
          setting: `B: escalation after ${escalationDelayS} s (delay due → email delivery queued)`,
          throughput: { value: escalated / (escSpan?.s || Number.NaN), unit: "escalations/s" },
          latencyMs: escLag,
          target: "",
          met: null,
        },
      );
      details.partB = {
        rate: escalationRate,
        durationMs: escalationMs,
        sends: sent.calls,
        errors: sent.errors,
        firstError: sent.firstError,
        skipped: sent.skipped,
        achievedSendsPerSecond: achieved,
        sendLatencyMs: sent.latencyMs,
        firstDeliveryLagMs: firstLag,
        escalated,
        escalationLagMs: escLag,
        cpu: escCpu,
      };
      notes.push(
        `B: workflow \`bench-escalation\` = [deliver in-app, delay ${escalationDelayS} s, condition \`!notification.read\`, deliver email] (nobody reads, so every run escalates; email goes through the outbox, JetStream and the email worker to Mailpit). One recipient per Send, open-loop at ${escalationRate}/s (at most 256 in flight) for ${escalationMs / 1000} s, from a load process; users rotate over ${escalationUsers.toLocaleString("en-US")}. Escalation lag = the email delivery's created_at − (step 0's fired_at + ${escalationDelayS} s), i.e. the delay timer's due time. CPU from the first Send until every escalation was queued: ${formatCpu(escCpu)}.`,
      );
    } finally {
      await herald.stop();
    }
    return { rows, details, notes };
  },
};
