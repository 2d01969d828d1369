import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AttemptOutcome, Channel, type Delivery, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { connectClient, type HeraldClient, serviceClient } from "../helpers/clients.js";
import { settledDeliveries } from "../helpers/deliveries.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { type SmtpReceiver, startSmtpReceiver } from "../helpers/smtp-receiver.js";
import { waitFor } from "../helpers/wait.js";

// Two real SMTP servers on loopback, listed as SMTP_URL and SMTP_URL_2: what
// happens to email while the first is down, and after it comes back.
let primary: SmtpReceiver;
let secondary: SmtpReceiver;
let herald: TestHerald;
let admin: HeraldClient;
const name = (s: SmtpReceiver) => `smtp://127.0.0.1:${s.port}`;

beforeAll(async () => {
  primary = await startSmtpReceiver();
  secondary = await startSmtpReceiver();
  herald = await startHerald({
    env: {
      SMTP_URL: primary.url,
      SMTP_URL_2: secondary.url,
      EMAIL_FROM: "Herald <notify@example.com>",
      PROVIDER_FAILURE_THRESHOLD: "2",
      // Long enough that a delivery right after the circuit opens meets it open on a busy machine.
      PROVIDER_COOLDOWN_MS: "5000",
      METRICS_REFRESH_INTERVAL_MS: "100",
    },
  });
  const key = await herald.apiKey(["admin"]);
  admin = connectClient(herald.url, key);
  const recipients = serviceClient(RecipientService, herald.url, key);
  for (let i = 0; i < 12; i++) await recipients.upsertRecipient({ userId: `u${i}`, email: `u${i}@example.com` });
});
afterAll(async () => {
  await herald.close();
  await primary.close();
  await secondary.close();
});
afterEach(async () => {
  await primary.start();
  primary.reset();
  secondary.reset();
});

async function sendEmails(count: number, title: string): Promise<Delivery[]> {
  const res = await admin.send({
    userIds: Array.from({ length: count }, (_, i) => `u${i}`),
    category: "failover",
    title,
    body: "b",
  });
  const settled = await Promise.all(res.notifications.map((n) => settledDeliveries(admin, n.id, Channel.EMAIL)));
  return settled.flat();
}

async function scrape(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${herald.app.metricsPort}/metrics`)).text();
}
const metric = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
};

describe("email with two SMTP servers", () => {
  it("uses the first while it answers, and records which server took each message", async () => {
    const deliveries = await sendEmails(3, "healthy");
    expect(deliveries.map((d) => d.status)).toEqual(Array(3).fill(DeliveryStatus.SENT));
    expect(deliveries.map((d) => d.attemptHistory.map((a) => a.provider))).toEqual(Array(3).fill([name(primary)]));
    expect(await primary.waitForMessages(3)).toHaveLength(3);
    expect(secondary.messages).toHaveLength(0);
  });

  it("sends every email once through the second while the first is down, then goes back to the first", async () => {
    await primary.stop();
    const during = await sendEmails(10, "first server down");
    // Failover happens inside the attempt: every delivery is sent on its first attempt.
    expect(during.map((d) => d.status)).toEqual(Array(10).fill(DeliveryStatus.SENT));
    for (const d of during) {
      expect(d.attemptHistory.map((a) => [a.outcome, a.provider])).toEqual([[AttemptOutcome.SENT, name(secondary)]]);
    }
    const received = await secondary.waitForMessages(10);
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up, if there were one
    expect(secondary.messages).toHaveLength(10);
    expect(new Set(received.map((m) => m.messageId))).toEqual(new Set(during.map((d) => `<${d.id}@herald>`)));
    expect(primary.messages).toHaveLength(0);

    // The first server failed twice in a row: the next delivery skips it, and metrics say so.
    // (The ten above may all have tried it before the circuit opened.)
    const [next] = await sendEmails(1, "first server still down");
    expect(next?.attemptHistory.map((a) => a.provider)).toEqual([name(secondary)]);
    let text = await scrape();
    expect(metric(text, `herald_provider_circuit_open{channel="email",provider="${name(primary)}"}`)).toBe(1);
    expect(metric(text, `herald_provider_circuit_open{channel="email",provider="${name(secondary)}"}`)).toBe(0);
    expect(
      metric(text, `herald_provider_calls_total{channel="email",provider="${name(primary)}",outcome="skipped"}`),
    ).toBeGreaterThan(0);
    expect(
      metric(text, `herald_provider_calls_total{channel="email",provider="${name(secondary)}",outcome="sent"}`),
    ).toBeGreaterThanOrEqual(11);

    // Back up: after the cool-down the next delivery tries it first, and traffic returns to it.
    await primary.start();
    await waitFor(
      async () => {
        const [d] = await sendEmails(1, "probe");
        return d?.attemptHistory[0]?.provider === name(primary);
      },
      30_000,
      "an email through the first server again",
    );
    const after = await sendEmails(5, "first server back");
    expect(after.map((d) => d.attemptHistory.map((a) => a.provider))).toEqual(Array(5).fill([name(primary)]));
    text = await scrape();
    expect(metric(text, `herald_provider_circuit_open{channel="email",provider="${name(primary)}"}`)).toBe(0);
  });

  it("moves on from a server that accepts connections but never answers, within the attempt", async () => {
    // A TCP listener that never greets: nodemailer waits until the provider's own timeout.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    // Its own database: a Herald on the same one could take the delivery first.
    const slow = await startHerald({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        SMTP_URL_2: secondary.url,
        DELIVERY_TIMEOUT_MS: "1000",
        PROVIDER_FAILURE_THRESHOLD: "100",
      },
    });
    try {
      const slowKey = await slow.apiKey(["admin"]);
      await serviceClient(RecipientService, slow.url, slowKey).upsertRecipient({
        userId: "u1",
        email: "u1@example.com",
      });
      const client = connectClient(slow.url, slowKey);
      const res = await client.send({ userIds: ["u1"], category: "failover", title: "silent first", body: "b" });
      const [d] = await settledDeliveries(client, res.notifications[0]?.id as string, Channel.EMAIL, 30_000);
      expect(d?.status).toBe(DeliveryStatus.SENT);
      expect(d?.attemptHistory.map((a) => [a.outcome, a.provider])).toEqual([[AttemptOutcome.SENT, name(secondary)]]);
      expect((await secondary.waitForMessages(1))[0]?.to).toEqual(["u1@example.com"]);
    } finally {
      await slow.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("names every server in the error when all fail, and keeps retrying", async () => {
    primary.failAlways(451, "try again later");
    secondary.failAlways(421, "busy");
    const res = await admin.send({ userIds: ["u2"], category: "failover", title: "all down", body: "b" });
    const id = res.notifications[0]?.id as string;
    const failed = await waitFor(
      async () => {
        const { deliveries } = await admin.getNotification({ id });
        const d = deliveries.find((x) => x.channel === Channel.EMAIL);
        return d !== undefined && d.attemptHistory.length >= 1 && d;
      },
      15_000,
      "a failed attempt",
    );
    const first = failed.attemptHistory[0];
    expect(first?.outcome).toBe(AttemptOutcome.TRANSIENT_ERROR);
    expect(first?.error).toMatch(
      new RegExp(`^every provider failed: ${name(primary)}: .*451.*; ${name(secondary)}: .*421`),
    );
    expect(first?.provider).toBe(name(secondary));
    // A user reads neither the servers nor their replies.
    const user = connectClient(herald.url, await herald.userToken("u2"));
    const mine = (await user.getNotification({ id })).deliveries.find((x) => x.channel === Channel.EMAIL);
    expect(mine?.attemptHistory[0]?.provider).toBe("");
    expect(mine?.attemptHistory[0]?.error).not.toContain("smtp");
    primary.reset();
    secondary.reset();
    const [settled] = await settledDeliveries(admin, id, Channel.EMAIL, 20_000);
    expect(settled?.status).toBe(DeliveryStatus.SENT);
  });
});
