// Streams many single-recipient notifications through one SendStream call
// and reads Herald's answer to each, from Node with a connect-es client. One
// item is invalid on purpose: its answer carries its own error (code, message
// and the field at fault) and the stream goes on. SendStream needs a client
// that streams requests: gRPC (the default) or Connect over HTTP/2
// (`--protocol connect`). Run against `npm start`:
//
//   HERALD_URL=http://127.0.0.1:8080 HERALD_API_KEY=hk_... npx tsx examples/typescript/send-stream.ts --count 100
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  NotificationService,
  type SendStreamRequest,
  SendStreamRequestSchema,
} from "../../gen/ts/herald/v1/notification_service_pb.js";

const { values } = parseArgs({
  options: {
    "user-prefix": { type: "string", default: "demo-user" },
    count: { type: "string", default: "100" },
    protocol: { type: "string", default: "grpc" },
  },
});
const baseUrl = process.env.HERALD_URL ?? "http://127.0.0.1:8080";
const apiKey = process.env.HERALD_API_KEY;
if (!apiKey) throw new Error("set HERALD_API_KEY to an API key with the send scope");
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) throw new Error("--count must be a positive integer");
if (values.protocol !== "grpc" && values.protocol !== "connect") throw new Error("--protocol must be grpc or connect");

const bearer: Interceptor = (next) => (req) => {
  req.header.set("Authorization", `Bearer ${apiKey}`);
  return next(req);
};
// Both transports are HTTP/2: a request stream cannot go over HTTP/1.1.
const transport =
  values.protocol === "grpc"
    ? createGrpcTransport({ baseUrl, interceptors: [bearer] })
    : createConnectTransport({ baseUrl, httpVersion: "2", interceptors: [bearer] });
const herald = createClient(NotificationService, transport);

// The item in the middle goes to a user id with a space, which Herald refuses
// (ids are printable ASCII without spaces): only that item fails.
const invalidIndex = Math.floor(count / 2);

// A generator, so items are made as the stream takes them: Herald reads no
// further than its window ahead of its answers, and HTTP/2 flow control makes
// the loop wait rather than buffer everything.
async function* items(): AsyncGenerator<SendStreamRequest> {
  for (let i = 0; i < count; i++) {
    const userId = i === invalidIndex ? "not a user id" : `${values["user-prefix"]}-${i}`;
    yield create(SendStreamRequestSchema, {
      // ref is our own label, returned with the answer (answers also come in order).
      ref: `order-${i}`,
      send: {
        userIds: [userId],
        category: "example.stream",
        title: `Order ${i} shipped`,
        body: "Sent in a SendStream from TypeScript.",
        // A retried stream with the same keys sends nothing twice.
        idempotencyKey: `example-stream-${values["user-prefix"]}-${i}`,
      },
    });
  }
}

try {
  let sent = 0;
  let errors = 0;
  for await (const answer of herald.sendStream(items())) {
    const outcome = answer.result?.outcome;
    if (outcome?.case === "sent") {
      sent++;
    } else if (outcome?.case === "error") {
      errors++;
      const { code, message, field } = outcome.value;
      console.log(
        JSON.stringify({ step: "item_error", index: Number(answer.index), ref: answer.ref, code, field, message }),
      );
    }
  }
  console.log(JSON.stringify({ step: "stream", protocol: values.protocol, sent, errors }));
} catch (error) {
  // An error here ended the whole stream (PERMISSION_DENIED, RESOURCE_EXHAUSTED
  // for too many open streams, a broken connection), unlike an item's error.
  const err = ConnectError.from(error);
  console.error(`the stream failed with ${Code[err.code]}: ${err.rawMessage}`);
  process.exitCode = 1;
}
