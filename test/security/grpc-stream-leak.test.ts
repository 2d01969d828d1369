import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SubscribeRequestSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { settledHeapBytes } from "../helpers/gc.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { connectHttp2, grpcBody, grpcHeaders } from "../helpers/raw-http2.js";
import { waitFor } from "../helpers/wait.js";

// Item 1 of issue 9: a gRPC Subscribe that the client resets before the server's
// first message must end on the server too: its feed listener, its span and its
// metrics, every time, however many arrive at once.

let herald: TestHerald;
beforeAll(async () => {
  // Thousands of resets on four connections would be cut off as a rapid-reset
  // flood (rapid-reset.test.ts), and 2,000 Subscribes from one user are past
  // the per-user rate limit: this test is about what each reset leaves behind.
  herald = await startHerald({ env: { HTTP2_RESET_BURST: "1000000", RATE_LIMIT_USER_PER_SECOND: "0" } });
});
afterAll(() => herald.close());

async function metricValue(name: string, labels = ""): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${herald.app.metricsPort}/metrics`)).text();
  let total = 0;
  for (const line of body.split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      if (labels === "" || line.includes(labels)) total += Number(line.split(" ").at(-1));
    }
  }
  return total;
}

describe("gRPC Subscribe reset by the client before its first message", () => {
  it("ends on the server: the open-stream gauge and the heap return to baseline, every call is counted", async () => {
    const token = await herald.userToken("leaky");
    const body = grpcBody(SubscribeRequestSchema, {});
    const path = "/herald.v1.NotificationService/Subscribe";
    const sessions = await Promise.all(Array.from({ length: 4 }, () => connectHttp2(herald.url)));
    const countedBefore = await metricValue(
      "herald_rpc_requests_total",
      'method="herald.v1.NotificationService/Subscribe"',
    );
    const heapBefore = await settledHeapBytes();

    // Reset at different moments: with the request (before the server reads it),
    // right after it, and a moment later (while the server reads the user's head).
    const rounds = 5;
    const perRound = 400;
    let opened = 0;
    for (let round = 0; round < rounds; round++) {
      const waits: Promise<void>[] = [];
      for (let i = 0; i < perRound; i++) {
        const session = sessions[i % sessions.length] as http2.ClientHttp2Session;
        const stream = session.request(grpcHeaders(path, token));
        stream.on("error", () => undefined);
        stream.end(body);
        opened += 1;
        const reset = () => stream.close(http2.constants.NGHTTP2_CANCEL);
        if (i % 3 === 0) reset();
        else if (i % 3 === 1) setImmediate(reset);
        else setTimeout(reset, 2);
        waits.push(new Promise((resolve) => stream.once("close", () => resolve())));
      }
      await Promise.all(waits);
    }

    await waitFor(
      () => herald.app.hub.size() === 0,
      60_000,
      `open streams to drop to 0 (now ${herald.app.hub.size()})`,
    );
    expect(await metricValue("herald_feed_streams_open")).toBe(0);
    await waitFor(
      async () =>
        (await metricValue("herald_rpc_requests_total", 'method="herald.v1.NotificationService/Subscribe"')) -
          countedBefore ===
        opened,
      30_000,
      "every Subscribe counted in herald_rpc_requests_total",
    );
    for (const s of sessions) s.close();
    // 2,000 leaked streams held about 60 MB; what is left must be noise.
    const grownMb = ((await settledHeapBytes()) - heapBefore) / 1024 / 1024;
    expect(grownMb).toBeLessThan(20);
  }, 180_000);
});
