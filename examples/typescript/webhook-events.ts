// Webhook event types, from Node with a connect-es client: starts a receiver
// on 127.0.0.1 that verifies Standard Webhooks signatures (the
// `standardwebhooks` package), registers it as an endpoint for
// `delivery.sent` and `notification.read`, sends a notification, marks it
// read, and prints the events the receiver got (each once, whatever the
// retries: it drops repeats by webhook-id). Needs an API key with the `admin`
// and `send` scopes, and a Herald that may post to loopback
// (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true, as `npm start` sets). Run against `npm start`:
//
//   HERALD_URL=http://127.0.0.1:8080 HERALD_API_KEY=hk_... npx tsx examples/typescript/webhook-events.ts --user demo-user
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Webhook } from "standardwebhooks";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";

const { values } = parseArgs({ options: { user: { type: "string", default: "demo-user" } } });
const baseUrl = process.env.HERALD_URL ?? "http://127.0.0.1:8080";
const apiKey = process.env.HERALD_API_KEY;
if (!apiKey) throw new Error("set HERALD_API_KEY to an API key with the admin and send scopes");

const bearer: Interceptor = (next) => (req) => {
  req.header.set("Authorization", `Bearer ${apiKey}`);
  return next(req);
};
const transport = createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer] });
const herald = createClient(NotificationService, transport);
const webhooks = createClient(WebhookService, transport);
const userId = values.user;

/** The body Herald posts for an event: a Standard Webhooks event whose data is herald.v1.Event as proto JSON. */
interface EventWebhook {
  type: string;
  timestamp: string;
  data: { cursor: string; type: string; notificationId: string };
}

// The receiver: verifies each post with the endpoint's secret, keeps each webhook-id once.
let verifier: Webhook | null = null;
const received = new Map<string, EventWebhook>();
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    try {
      const event = verifier?.verify(Buffer.concat(chunks).toString("utf8"), req.headers as Record<string, string>);
      received.set(String(req.headers["webhook-id"]), event as EventWebhook);
      res.writeHead(204).end();
    } catch {
      res.writeHead(401).end();
    }
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

let endpointId = "";
try {
  const created = await webhooks.createWebhookEndpoint({
    url,
    categories: ["example.events"],
    eventTypes: ["delivery.sent", "notification.read"],
  });
  endpointId = created.endpoint?.id ?? "";
  verifier = new Webhook(created.secret);
  console.log(JSON.stringify({ step: "endpoint", eventTypes: created.endpoint?.eventTypes }));

  const sent = await herald.send({ userIds: [userId], category: "example.events", title: "Hi", body: "Read me." });
  const id = sent.notifications[0]?.id as string;
  console.log(JSON.stringify({ step: "send", id }));
  // Marked read once it is in the inbox (the in-app delivery is what delivery.sent reports).
  for (let i = 0; i < 100 && !(await herald.list({ userId })).notifications.some((n) => n.id === id); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await herald.markRead({ userId, notificationIds: [id] });

  for (let i = 0; i < 150 && received.size < 2; i++) await new Promise((r) => setTimeout(r, 100));
  const events = [...received.values()].filter((e) => e.data.notificationId === id);
  console.log(JSON.stringify({ step: "received", types: events.map((e) => e.type).sort() }));
} catch (error) {
  const err = ConnectError.from(error);
  console.error(`Herald said ${Code[err.code]}: ${err.rawMessage}`);
  process.exitCode = 1;
} finally {
  if (endpointId !== "") await webhooks.deleteWebhookEndpoint({ id: endpointId }).catch(() => undefined);
  receiver.close();
}
