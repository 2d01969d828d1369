// `npx tsx bench/webhook-events.ts [--notifications 10000] [--batch 500]`:
// event webhooks end to end, on its own Postgres and NATS (as bench/run.ts
// starts them) and one Herald process. One endpoint, a plain HTTP receiver on
// loopback answering 200 at once, subscribes to `delivery.sent` only; bulk
// in-app Sends of `--batch` recipients each log one delivery.sent per
// notification, which the webhook event relay turns into one webhook delivery
// each, posted through the webhook pipeline (outbox, JetStream, worker). Measures:
// - webhooks received per second (first to last) and how long after the last Send the last one came;
// - lag from each Send's response to its notification's webhook arriving;
// - Herald's CPU seconds for the run.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "@connectrpc/connect";
import { NotificationService } from "../gen/ts/herald/v1/notification_service_pb.js";
import { WebhookService } from "../gen/ts/herald/v1/webhook_service_pb.js";
import { grpcWithKey } from "./lib/bearer.js";
import { bulkInAppSends } from "./lib/bulk-sends.js";
import { startHerald } from "./lib/herald.js";
import { startStack } from "./lib/stack.js";
import { summarize } from "./lib/stats.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const notifications = arg("notifications", 10_000);
const batch = arg("batch", 500);
const inFlight = 4;

// The receiver: counts each notification's delivery.sent webhook once (a retry would be counted as a duplicate).
const arrivals = new Map<string, number>();
let duplicates = 0;
let firstAt = 0;
let lastAt = 0;
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    res.writeHead(200).end();
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
      type: string;
      data: { notificationId?: string };
    };
    if (body.type !== "delivery.sent" || body.data.notificationId === undefined) return;
    const now = performance.now();
    if (arrivals.has(body.data.notificationId)) duplicates++;
    else arrivals.set(body.data.notificationId, now);
    if (firstAt === 0) firstAt = now;
    lastAt = now;
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const stack = await startStack();
const herald = await startHerald(stack, { name: "whevents", env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true" } });
try {
  const transport = grpcWithKey(herald.url, herald.apiKey);
  const sender = createClient(NotificationService, transport);
  await createClient(WebhookService, transport).createWebhookEndpoint({
    url: receiverUrl,
    eventTypes: ["delivery.sent"],
  });

  const { sentAt, seconds: sendSeconds } = await bulkInAppSends(sender, notifications, batch, inFlight);
  const sendsDone = performance.now();
  const deadline = Date.now() + 15 * 60_000;
  while (arrivals.size < notifications && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // A moment for any duplicate still on its way.
  await new Promise((r) => setTimeout(r, 1_000));
  const lags = [...arrivals].flatMap(([id, t]) => (sentAt.has(id) ? [t - (sentAt.get(id) as number)] : []));
  const seconds = (lastAt - firstAt) / 1000;
  console.log(
    `sends: ${notifications} notifications in ${sendSeconds.toFixed(1)} s (${Math.round(notifications / sendSeconds)}/s)`,
  );
  console.log(
    `webhooks: ${arrivals.size}/${notifications} delivery.sent webhooks in ${seconds.toFixed(1)} s = ${Math.round(arrivals.size / seconds)}/s; ` +
      `last ${((lastAt - sendsDone) / 1000).toFixed(1)} s after the last Send; duplicates ${duplicates}`,
  );
  console.log(`lag (Send response -> its webhook arriving), ms: ${JSON.stringify(summarize(lags))}`);
  console.log(`herald CPU seconds over the whole run: ${herald.cpuSeconds().toFixed(1)}`);
} finally {
  await herald.stop();
  await stack.stop();
  receiver.close();
}
