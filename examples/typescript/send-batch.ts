// Sends many notifications in one SendBatch call (up to 1,000 items) and
// reads the result of each, from Node with a connect-es client. SendBatch is
// a unary call, so it also works over HTTP/1.1 and from browsers, where
// SendStream cannot. One item is invalid on purpose: it fails alone with its
// own error, the others are sent. Run against `npm start`:
//
//   HERALD_URL=http://127.0.0.1:8080 HERALD_API_KEY=hk_... npx tsx examples/typescript/send-batch.ts --count 10
import { parseArgs } from "node:util";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { NotificationService, type SendRequestSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";

const { values } = parseArgs({
  options: { "user-prefix": { type: "string", default: "demo-user" }, count: { type: "string", default: "10" } },
});
const baseUrl = process.env.HERALD_URL ?? "http://127.0.0.1:8080";
const apiKey = process.env.HERALD_API_KEY;
if (!apiKey) throw new Error("set HERALD_API_KEY to an API key with the send scope");
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1 || count > 1000) throw new Error("--count must be 1 to 1000");

const bearer: Interceptor = (next) => (req) => {
  req.header.set("Authorization", `Bearer ${apiKey}`);
  return next(req);
};
const herald = createClient(
  NotificationService,
  createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer] }),
);

// The last item links to `//evil.example`, which browsers would resolve to
// another host: Herald refuses it, naming action_url, and sends the rest.
const items: MessageInitShape<typeof SendRequestSchema>[] = Array.from({ length: count }, (_, i) => ({
  userIds: [`${values["user-prefix"]}-${i}`],
  category: "example.batch",
  title: "Your weekly digest",
  body: "Sent in a SendBatch from TypeScript.",
  actionUrl: i === count - 1 ? "//evil.example/digest" : "/digest",
  // If the call is lost midway, sending the same batch again is safe.
  idempotencyKey: `example-batch-${values["user-prefix"]}-${i}`,
}));

try {
  const { results } = await herald.sendBatch({ items });
  let sent = 0;
  let errors = 0;
  // One result per item, in the order of `items`.
  for (const [index, result] of results.entries()) {
    if (result.outcome.case === "sent") {
      sent++;
    } else if (result.outcome.case === "error") {
      errors++;
      const { code, message, field } = result.outcome.value;
      console.log(JSON.stringify({ step: "item_error", index, code, field, message }));
    }
  }
  console.log(JSON.stringify({ step: "batch", sent, errors }));
} catch (error) {
  // An error here failed the whole call (no `send` scope, RESOURCE_EXHAUSTED
  // over the key's rate limit, a request over REQUEST_MAX_BYTES, more than
  // 1,000 items), unlike an item's error.
  const err = ConnectError.from(error);
  console.error(`the batch failed with ${Code[err.code]}: ${err.rawMessage}`);
  process.exitCode = 1;
}
