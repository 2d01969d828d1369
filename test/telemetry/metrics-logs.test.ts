import { Writable } from "node:stream";
import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/telemetry/logger.js";
import { startTracing } from "../../src/telemetry/tracing.js";

const tracing = startTracing({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
const { connectClient } = await import("../helpers/clients.js");
const { startHerald } = await import("../helpers/herald.js");
const { collect, waitFor } = await import("../helpers/wait.js");

let herald: Awaited<ReturnType<typeof startHerald>>;
beforeAll(async () => {
  // Gauges that need Postgres or NATS are read on this timer, not per scrape.
  herald = await startHerald({ env: { METRICS_REFRESH_INTERVAL_MS: "100" } });
});
afterAll(async () => {
  await herald.close();
  await tracing.shutdown();
});

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${herald.app.metricsPort}/metrics`);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  return res.text();
}
const value = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
};

describe("the metrics endpoint", () => {
  it("counts RPCs by method and code, with latency histograms", async () => {
    const client = connectClient(herald.url, await herald.apiKey(["admin"]));
    await client.send({ userIds: ["m1"], category: "metrics", title: "t", body: "b" });
    await client.list({ userId: "m1", pageSize: 500 }).catch(() => undefined);
    const text = await scrape();
    expect(value(text, 'herald_rpc_requests_total{method="herald.v1.NotificationService/Send",code="ok"}')).toBe(1);
    expect(
      value(text, 'herald_rpc_requests_total{method="herald.v1.NotificationService/List",code="invalid_argument"}'),
    ).toBe(1);
    expect(
      value(text, 'herald_rpc_duration_seconds_count{method="herald.v1.NotificationService/Send",code="ok"}'),
    ).toBe(1);
    expect(text).toMatch(
      /herald_rpc_duration_seconds_bucket\{le="0\.005",method="herald\.v1\.NotificationService\/Send",code="ok"\} \d/,
    );
  });

  it("counts deliveries by channel and outcome, and reports the outbox, consumers and open streams", async () => {
    const client = connectClient(herald.url, await herald.apiKey(["admin"]));
    const user = connectClient(herald.url, await herald.userToken("m2"));
    await user.updatePreferences({ categories: { quiet: { inApp: false } } });
    await client.send({ userIds: ["m2"], category: "metrics", title: "t", body: "b" });
    await client.send({ userIds: ["m2"], category: "quiet", title: "t", body: "b" });
    const abort = new AbortController();
    const stream = collect(user.subscribe({}, { signal: abort.signal }));
    await stream.atLeast(1);
    // The consumers' gauge appears once JetStream answered a polled read (the
    // first may come before the consumers exist, on a busy machine).
    let text = "";
    await waitFor(
      async () => {
        text = await scrape();
        return value(text, 'herald_consumer_pending{channel="in_app"}') !== undefined;
      },
      15_000,
      "the consumers' gauge",
    );
    expect(value(text, 'herald_deliveries_total{channel="in_app",outcome="sent"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'herald_deliveries_total{channel="in_app",outcome="suppressed"}')).toBe(1);
    expect(value(text, "herald_outbox_backlog")).toBe(0);
    expect(value(text, "herald_outbox_oldest_age_seconds")).toBe(0);
    expect(value(text, 'herald_consumer_pending{channel="in_app"}')).toBe(0);
    expect(value(text, "herald_feed_streams_open")).toBe(1);
    expect(text).toContain("herald_process_resident_memory_bytes");
    abort.abort();
  });
});

describe("logs", () => {
  const capture = () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    return { lines, sink };
  };

  it("carry the trace and span they were written in", () => {
    const { lines, sink } = capture();
    const logger = createLogger("info", sink);
    trace.getTracer("test").startActiveSpan("work", (span) => {
      logger.info("inside a span");
      expect(lines[0]).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
      span.end();
    });
  });

  it("redact addresses and bodies unless debug logging is asked for", () => {
    const quiet = capture();
    createLogger("info", quiet.sink).info(
      { email: "ada@example.com", user: { phone: "+15550100" }, body: "secret" },
      "x",
    );
    expect(quiet.lines[0]).toMatchObject({ email: "[redacted]", user: { phone: "[redacted]" }, body: "[redacted]" });
    const debug = capture();
    createLogger("debug", debug.sink).info({ email: "ada@example.com" }, "x");
    expect(debug.lines[0]).toMatchObject({ email: "ada@example.com" });
  });
});
