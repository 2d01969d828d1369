import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTracing } from "../../src/telemetry/tracing.js";

// Tracing starts before Herald (and pg) are loaded, as in the real entry point
// (the same setup as test/telemetry/trace.test.ts).
const tracing = startTracing({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
const { Channel } = await import("../../gen/ts/herald/v1/notification_pb.js");
const { OperatorService } = await import("../../gen/ts/herald/v1/operator_service_pb.js");
const { connectClient, serviceClient } = await import("../helpers/clients.js");
const { startHerald } = await import("../helpers/herald.js");

let herald: Awaited<ReturnType<typeof startHerald>>;

beforeAll(async () => {
  herald = await startHerald();
});
afterAll(async () => {
  await herald.close();
  await tracing.shutdown();
});

it("GetNotificationLife names the trace of the Send that made the notification, when it was sampled", async () => {
  const key = await herald.apiKey(["admin"]);
  const client = connectClient(herald.url, key);
  const operator = serviceClient(OperatorService, herald.url, key);
  const send = (flags: string, traceId: string) =>
    client.send(
      { userIds: ["traced-a", "traced-b"], category: "trace", title: "T", body: "b", channels: [Channel.IN_APP] },
      { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-${flags}` } },
    );
  const sampled = "4bf92f3577b34da6a3ce929d0e0e4736";
  const sent = await send("01", sampled);
  for (const n of sent.notifications) {
    expect((await operator.getNotificationLife({ id: n.id })).traceId).toBe(sampled);
  }
  const unsampled = await send("00", "5bf92f3577b34da6a3ce929d0e0e4737");
  expect((await operator.getNotificationLife({ id: unsampled.notifications[0]?.id as string })).traceId).toBe("");
  // Herald's own trace when the caller sends none: sampled by default, so linked.
  const own = await client.send({ userIds: ["traced-c"], category: "trace", title: "T", body: "b" });
  expect((await operator.getNotificationLife({ id: own.notifications[0]?.id as string })).traceId).toMatch(
    /^[0-9a-f]{32}$/,
  );
});
