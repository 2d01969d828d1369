// Sends a notification and lists the recipient's inbox, from Node with a
// connect-es client: Connect protocol over HTTP/1.1 by default, or gRPC over
// HTTP/2 with `--grpc`. Run against `npm start`:
//
//   HERALD_URL=http://127.0.0.1:8080 HERALD_API_KEY=hk_... npx tsx examples/typescript/send-and-list.ts --user demo-user
import { parseArgs } from "node:util";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";

const { values } = parseArgs({
  options: { user: { type: "string", default: "demo-user" }, grpc: { type: "boolean", default: false } },
});
const baseUrl = process.env.HERALD_URL ?? "http://127.0.0.1:8080";
const apiKey = process.env.HERALD_API_KEY;
if (!apiKey) throw new Error("set HERALD_API_KEY to an API key with the send and read scopes");

// Every call carries the API key; an interceptor keeps that out of the calls.
const bearer: Interceptor = (next) => (req) => {
  req.header.set("Authorization", `Bearer ${apiKey}`);
  return next(req);
};
const transport = values.grpc
  ? createGrpcTransport({ baseUrl, interceptors: [bearer] })
  : createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer] });
const herald = createClient(NotificationService, transport);

try {
  const { notifications } = await herald.send({
    userIds: [values.user],
    category: "example.typescript",
    title: "Hello from TypeScript",
    body: "Sent with a connect-es client.",
    // Tags drive the inbox's filters and tabs; actions are its buttons (a link, or a
    // named action the inbox reports with InteractNotification).
    tags: ["example"],
    actions: [
      { id: "open", label: "Open the docs", url: "/docs" },
      { id: "ack", label: "Got it", payload: { source: "example" } },
    ],
    // A retry with the same key returns this notification instead of sending again.
    idempotencyKey: `example-${Date.now()}`,
  });
  const sent = notifications[0];
  console.log(JSON.stringify({ step: "send", id: sent?.id, userId: sent?.userId }));

  // One call returns the page and the unread count of every tab ("All 1 · Examples 1").
  const inbox = await herald.list({
    userId: values.user,
    pageSize: 10,
    tabs: [{ id: "all" }, { id: "examples", tags: ["example"] }],
  });
  console.log(
    JSON.stringify({
      step: "list",
      unread: inbox.unreadCount,
      titles: inbox.notifications.map((n) => n.title),
      actions: inbox.notifications[0]?.actions.map((a) => a.id),
      tabs: Object.fromEntries(inbox.tabCounts.map((t) => [t.id, t.unreadCount])),
    }),
  );
} catch (error) {
  // ConnectError carries the same codes gRPC clients in other languages see.
  const err = ConnectError.from(error);
  if (err.code === Code.PermissionDenied) console.error(`this key may not do that: ${err.rawMessage}`);
  else console.error(`Herald said ${Code[err.code]}: ${err.rawMessage}`);
  process.exitCode = 1;
}
