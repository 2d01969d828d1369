import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Channel, Priority } from "../../gen/ts/herald/v1/notification_pb.js";
import { connectClient, type HeraldClient } from "../helpers/clients.js";
import { startHerald, type TestHerald, uniquePrefix } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// Fair dispatch between tenants inside a lane, seen from outside: what
// JetStream holds, and in which order a real SMTP server receives the emails
// of a tenant with a big backlog and of a tenant with one email.
let nc: NatsConnection;
let jsm: JetStreamManager;
let smtp: SmtpReceiver;
const started: TestHerald[] = [];

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
  jsm = await jetstreamManager(nc);
  smtp = await startSmtpReceiver();
});
afterAll(async () => {
  for (const h of started) await h.close();
  await smtp.close();
  await nc.close();
});

async function herald(env: Record<string, string>, prefix = uniquePrefix()) {
  const h = await startHerald({
    natsPrefix: prefix,
    env: { SMTP_URL: smtp.url, EMAIL_FROM: "Herald <notify@example.com>", ...env },
  });
  started.push(h);
  await waitFor(async () => (await fetch(`${h.url}/readyz`)).ok, 15_000, "delivery set up");
  return h;
}

/** `count` people of a tenant with an email address each (`<prefix><i>@<tenant>.example`). */
async function people(h: TestHerald, tenant: string, prefix: string, count: number): Promise<string[]> {
  await h.db.query(
    `INSERT INTO recipients (tenant_id, user_id, addresses)
     SELECT $1, $2 || i, jsonb_build_object('email', $2 || i || '@' || $1 || '.example')
     FROM generate_series(1, $3::int) i`,
    [tenant, prefix, count],
  );
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}

async function emailAll(client: HeraldClient, userIds: string[], title: string, priority = Priority.NORMAL) {
  for (let i = 0; i < userIds.length; i += 1_000) {
    await client.send({
      userIds: userIds.slice(i, i + 1_000),
      category: "news",
      title,
      body: "Body.",
      priority,
      channels: [Channel.EMAIL],
    });
  }
}

describe("fair dispatch between tenants", () => {
  it("keeps a lane's line on JetStream at DISPATCH_LANE_BACKLOG and the rest in the outbox; other lanes still flow", async () => {
    const prefix = uniquePrefix();
    const h = await herald({ WORKERS_ENABLED: "false", DISPATCH_LANE_BACKLOG: "40" }, prefix);
    await h.tenant("bigco");
    const big = connectClient(h.url, await h.apiKey(["send"], "big", "bigco"));
    const users = await people(h, "bigco", "b", 300);
    await emailAll(big, users, "Our big announcement");
    const bulk = () => jsm.consumers.info(`${prefix}_deliveries`, "deliver-email");
    await waitFor(async () => (await bulk()).num_pending === 40, 15_000, "the bulk lane filled to its cap");
    // A few relay rounds later (it polls a full lane every 50 ms) the line is still at the cap.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await bulk()).num_pending).toBe(40);
    const [outbox] = await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE tenant_id = 'bigco'");
    expect(outbox?.n).toBe(260);
    // The urgent lane has its own cap: a critical email is published at once.
    const [someone] = await people(h, "bigco", "urgent-", 1);
    await emailAll(big, [someone as string], "Password reset", Priority.CRITICAL);
    await waitFor(
      async () => (await jsm.consumers.info(`${prefix}_deliveries`, "deliver-email-urgent")).num_pending === 1,
      15_000,
      "the critical email on the urgent lane",
    );
  }, 120_000);

  it("sends another tenant's email after a few of a big backlog's, not after all of them", async () => {
    smtp.reset();
    // Two bulk workers and a short line: the big tenant's 2,000 emails take
    // a while to drain, and the small tenant's email must not wait for them.
    const h = await herald({ DELIVERY_CONCURRENCY: "2", EMAIL_POOL_SIZE: "2", DISPATCH_LANE_BACKLOG: "20" });
    await h.tenant("bigco");
    await h.tenant("smallco");
    const big = connectClient(h.url, await h.apiKey(["send"], "big", "bigco"));
    const small = connectClient(h.url, await h.apiKey(["send"], "small", "smallco"));
    const bigUsers = await people(h, "bigco", "b", 2_000);
    const [smallUser] = await people(h, "smallco", "s", 1);
    await emailAll(big, bigUsers, "Our big announcement");
    await emailAll(small, [smallUser as string], "Your invoice");
    const at = await waitFor(
      () => {
        const i = smtp.messages.findIndex((m) => m.to.includes("s1@smallco.example"));
        return i >= 0 && i;
      },
      120_000,
      "the small tenant's email received",
    );
    // In the order JetStream would hand them out without fairness, it would
    // come after all 2,000; with a line of 20 and tenants taking turns, it
    // comes after the line that was ahead of it and a few more.
    expect(at).toBeLessThan(200);
    // Nothing of the big tenant is lost or sent twice.
    const all = await smtp.waitForMessages(2_001, 300_000);
    const bigTo = all.filter((m) => m.to[0]?.endsWith("@bigco.example")).map((m) => m.to[0]);
    expect(new Set(bigTo).size).toBe(2_000);
    expect(bigTo).toHaveLength(2_000);
  }, 600_000);
});
