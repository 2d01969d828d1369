import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTracing } from "../../src/telemetry/tracing.js";

// Tracing starts before Herald (and pg) are loaded, as in the real entry point.
const exporter = new InMemorySpanExporter();
const tracing = startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const { Channel, DeliveryStatus } = await import("../../gen/ts/herald/v1/notification_pb.js");
const { RecipientService } = await import("../../gen/ts/herald/v1/recipient_service_pb.js");
const { connectClient, serviceClient } = await import("../helpers/clients.js");
const { settledDeliveries } = await import("../helpers/deliveries.js");
const { startHerald } = await import("../helpers/herald.js");
const { startSmtpReceiver } = await import("../helpers/smtp-receiver.js");

let herald: Awaited<ReturnType<typeof startHerald>>;
let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  herald = await startHerald({ env: { SMTP_URL: smtp.url } });
});
afterAll(async () => {
  await herald.close();
  await smtp.close();
  await tracing.shutdown();
});

it("one trace follows an email from the Send RPC through Postgres and JetStream to the SMTP server", async () => {
  const key = await herald.apiKey(["admin"]);
  await serviceClient(RecipientService, herald.url, key).upsertRecipient({
    userId: "traced",
    email: "traced@example.com",
  });
  // The caller's own trace: Herald must continue it, not start another.
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const callerSpanId = "00f067aa0ba902b7";
  const client = connectClient(herald.url, key);
  const sent = await client.send(
    { userIds: ["traced"], category: "trace", title: "Traced", body: "b", channels: [Channel.EMAIL] },
    { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } },
  );
  const [delivery] = await settledDeliveries(client, sent.notifications[0]?.id as string, Channel.EMAIL);
  expect(delivery?.status).toBe(DeliveryStatus.SENT);

  let spans: ReadableSpan[] = [];
  const find = (kind: SpanKind, prefix: string) => spans.find((s) => s.kind === kind && s.name.startsWith(prefix));
  // The provider span ends before the worker records the attempt; wait for the consumer span too.
  for (let i = 0; i < 100 && find(SpanKind.CONSUMER, "process ") === undefined; i++) {
    await new Promise((r) => setTimeout(r, 50));
    spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  }
  const parentOf = (s: ReadableSpan | undefined) => s?.parentSpanContext?.spanId;
  const send = find(SpanKind.SERVER, "herald.v1.NotificationService/Send");
  const publish = find(SpanKind.PRODUCER, "publish ");
  const consume = find(SpanKind.CONSUMER, "process ");
  const provider = find(SpanKind.CLIENT, "email send");
  expect(send, "Send server span").toBeDefined();
  expect(parentOf(send)).toBe(callerSpanId);
  expect(send?.attributes["rpc.method"]).toBe("Send");
  expect(publish?.name).toMatch(/^publish \w+\.deliver\.email$/);
  expect(parentOf(publish)).toBe(send?.spanContext().spanId);
  expect(consume?.name).toBe(publish?.name.replace("publish", "process"));
  expect(parentOf(consume)).toBe(publish?.spanContext().spanId);
  expect(parentOf(provider)).toBe(consume?.spanContext().spanId);
  expect(provider?.attributes["herald.delivery.id"]).toBe(delivery?.id);
  expect(provider?.attributes["herald.provider.message_id"]).toMatch(/^250 /);
  // Postgres work appears under both the RPC and the worker.
  const pgUnder = (parent: ReadableSpan | undefined) =>
    spans.filter((s) => s.name.startsWith("pg.query:") && parentOf(s) === parent?.spanContext().spanId);
  const statements = (parent: ReadableSpan | undefined) =>
    pgUnder(parent).map((s) => String(s.attributes["db.statement"] ?? s.attributes["db.query.text"] ?? ""));
  expect(statements(send).some((q) => q.includes("INSERT INTO notifications"))).toBe(true);
  expect(statements(consume).some((q) => q.includes("UPDATE deliveries"))).toBe(true);
  // The relay's own database rounds serve many Sends: they are not part of this one.
  expect(pgUnder(send).some((s) => s.name.startsWith("pg.query:DELETE"))).toBe(false);
});
