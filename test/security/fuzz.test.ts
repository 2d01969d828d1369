import type http2 from "node:http2";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { RecipientService } from "../../gen/ts/herald/v1/recipient_service_pb.js";
import { TemplateService } from "../../gen/ts/herald/v1/template_service_pb.js";
import { TenantService } from "../../gen/ts/herald/v1/tenant_service_pb.js";
import { TopicService } from "../../gen/ts/herald/v1/topic_service_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { WorkflowService } from "../../gen/ts/herald/v1/workflow_service_pb.js";
import { randomBinaryRequest, randomJsonRequest } from "../helpers/fuzz-bodies.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { connectHttp2, grpcFrame } from "../helpers/raw-http2.js";
import { seededRandom } from "../helpers/seeded-random.js";

// Issue 9, "How to prove it": random and mutated protobuf and JSON bodies for
// every RPC on every protocol. No answer may be INTERNAL or UNKNOWN (a bug or
// an unmapped error), the server keeps serving, and a refused request writes
// nothing. The seed is printed; FUZZ_SEED=<n> replays a run, FUZZ_CASES=<n>
// sets how many bodies each RPC gets per protocol.

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const cases = Number(process.env.FUZZ_CASES ?? 6);
const services: DescService[] = [
  NotificationService,
  RecipientService,
  TemplateService,
  WebhookService,
  WorkflowService,
  TopicService,
  TenantService,
];
type Protocol = "connect-json" | "connect-proto" | "grpc-web" | "grpc";
const protocols: Protocol[] = ["connect-json", "connect-proto", "grpc-web", "grpc"];

let herald: TestHerald;
let admin: string;
let session: http2.ClientHttp2Session;
beforeAll(async () => {
  // The limits under test elsewhere would refuse most of this flood before it is decoded.
  herald = await startHerald({ env: { RATE_LIMIT_API_KEY_PER_SECOND: "0", WORKERS_ENABLED: "false" } });
  admin = await herald.apiKey(["admin", "super_admin"]);
  session = await connectHttp2(herald.url);
});
afterAll(async () => {
  session.close();
  await herald.close();
});

/** What a refused request must not have changed. Outbox rows come and go with the relay, so they are left out. */
async function fingerprint(): Promise<string> {
  const tables = [
    "recipients",
    "devices",
    "templates",
    "webhook_endpoints",
    "preferences",
    "user_token_revocations",
    "workflows",
    "workflow_versions",
    "workflow_patterns",
    "topics",
    "topic_subscribers",
    "tenants",
  ];
  const digests = tables.map(
    (t) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ${t} x)`,
  );
  const counts = ["notifications", "deliveries", "feed_events", "idempotency_keys"].map(
    (t) => `(SELECT count(*) FROM ${t})`,
  );
  const [row] = await herald.db.query<{ f: string }>(
    `SELECT concat_ws(',', ${[...digests, ...counts].join(", ")}) AS f`,
  );
  return row?.f ?? "";
}

/** Connect's and gRPC's code names by number, for messages. */
const grpcCodes = [
  "ok",
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

function envelope(bytes: Uint8Array): Buffer {
  return grpcFrame(bytes);
}

/** Sends one body over one protocol; resolves with the code of the answer ("ok" for a stream that started). */
async function call(method: DescMethod, protocol: Protocol, body: Uint8Array | string): Promise<string> {
  const path = `/${method.parent.typeName}/${method.name}`;
  const streaming = method.methodKind === "server_streaming";
  const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
  if (protocol === "grpc") {
    return new Promise((resolve) => {
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
        authorization: `Bearer ${admin}`,
      });
      let status: string | undefined;
      const settle = (code: string) => {
        status ??= code;
        stream.close();
        resolve(status);
      };
      stream.on("response", (h) => {
        if (h["grpc-status"] !== undefined) settle(grpcCodes[Number(h["grpc-status"])] ?? "?");
      });
      stream.on("data", () => settle("ok")); // a response message: the call was taken
      stream.on("trailers", (t) => settle(grpcCodes[Number(t["grpc-status"])] ?? "?"));
      stream.on("error", () => settle("stream-error"));
      stream.on("close", () => settle("closed"));
      stream.end(envelope(bytes));
    });
  }
  if (method.methodKind === "bidi_streaming" || method.methodKind === "client_streaming") {
    // Request streams need HTTP/2; fetch speaks HTTP/1.1, which Herald refuses with 505 before reading.
    const res = await fetch(`${herald.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/connect+proto", authorization: `Bearer ${admin}` },
      body: envelope(bytes),
    });
    await res.text();
    return res.status === 505 ? "http-505" : `unexpected HTTP ${res.status}`;
  }
  const contentType =
    protocol === "grpc-web"
      ? "application/grpc-web+proto"
      : `application/${streaming ? "connect+" : ""}${protocol === "connect-json" ? "json" : "proto"}`;
  const framed = protocol === "grpc-web" || streaming;
  const abort = new AbortController();
  const res = await fetch(`${herald.url}${path}`, {
    method: "POST",
    headers: { "content-type": contentType, authorization: `Bearer ${admin}` },
    body: framed ? envelope(bytes) : bytes,
    signal: abort.signal,
  });
  if (protocol === "connect-json" || protocol === "connect-proto") {
    if (!streaming) {
      const text = await res.text();
      return res.status === 200 ? "ok" : (JSON.parse(text) as { code: string }).code;
    }
  }
  if (res.headers.get("grpc-status") !== null) {
    abort.abort();
    return grpcCodes[Number(res.headers.get("grpc-status"))] ?? "?";
  }
  // A stream: the first chunk tells whether it started or ended with an error.
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const { value } = await reader.read();
  abort.abort();
  const chunk = Buffer.from(value ?? new Uint8Array());
  if (chunk.length >= 5 && (chunk[0] as number) & 0x02 && protocol !== "grpc-web") {
    const end = JSON.parse(chunk.subarray(5).toString()) as { error?: { code: string } };
    return end.error?.code ?? "ok";
  }
  if (chunk.length >= 5 && (chunk[0] as number) & 0x80) {
    const trailer = /grpc-status:\s*(\d+)/i.exec(chunk.subarray(5).toString());
    return grpcCodes[Number(trailer?.[1])] ?? "?";
  }
  return "ok";
}

describe("fuzzed requests", () => {
  it("never get INTERNAL or UNKNOWN, never crash Herald, and write nothing when refused", async () => {
    console.log(`fuzz seed ${seed} (FUZZ_SEED=${seed} replays it), ${cases} bodies per RPC and protocol`);
    const r = seededRandom(seed);
    const seen = new Map<string, number>();
    const bad: string[] = [];
    for (const service of services) {
      for (const method of service.methods) {
        for (const protocol of protocols) {
          for (let i = 0; i < cases; i++) {
            const body =
              protocol === "connect-json" ? randomJsonRequest(r, method.input) : randomBinaryRequest(r, method.input);
            const before = await fingerprint();
            const code = await call(method, protocol, body);
            seen.set(code, (seen.get(code) ?? 0) + 1);
            const where = `${service.typeName}/${method.name} over ${protocol} (case ${i})`;
            if (
              ["internal", "unknown", "stream-error", "closed", "?"].includes(code) ||
              code.startsWith("unexpected")
            ) {
              bad.push(`${where}: ${code}`);
            }
            if (code !== "ok" && (await fingerprint()) !== before) bad.push(`${where}: refused (${code}) but wrote`);
          }
        }
      }
    }
    console.log(`answers: ${JSON.stringify(Object.fromEntries(seen))}`);
    expect(bad).toEqual([]);
    expect((await fetch(`${herald.url}/healthz`)).status).toBe(200);
    expect(seen.get("invalid_argument") ?? 0).toBeGreaterThan(0);
  }, 600_000);
});
