import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SubscribeRequestSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { capturedLogger, type LogLine, logLevel } from "../helpers/log-sink.js";
import { connectHttp2, grpcBody, grpcFrame, grpcHeaders } from "../helpers/raw-http2.js";
import { waitFor } from "../helpers/wait.js";

// Item 12 of issue 9: a client closing its stream, its connection or its
// request half-way is not an error of Herald's, so nothing is logged at warn
// or error ("Premature close", "write after destroy" used to be, as "unexpected error").

let herald: TestHerald;
let lines: LogLine[];
let token: string;
beforeAll(async () => {
  const captured = capturedLogger("info");
  lines = captured.lines;
  herald = await startHerald({ logger: captured.logger });
  token = await herald.userToken("leaver");
});
afterAll(() => herald.close());

const subscribePath = "/herald.v1.NotificationService/Subscribe";

/** Opens an HTTP/1.1 request with the given headers and body, and destroys the socket after `afterMs`. */
function http1Abandon(headers: Record<string, string>, body: Buffer, afterMs: number, partial = false): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(`${herald.url}${subscribePath}`, { method: "POST", headers });
    req.on("error", () => resolve());
    req.on("close", () => resolve());
    req.on("response", (res) => {
      res.on("data", () => undefined);
      res.on("error", () => undefined);
    });
    if (partial) req.write(body.subarray(0, Math.max(1, body.length - 2)));
    else req.end(body);
    setTimeout(() => req.destroy(), afterMs);
  });
}

describe("clients that leave", () => {
  it("are not logged as errors, on any protocol", async () => {
    const subscribe = grpcBody(SubscribeRequestSchema, {});
    const auth = { authorization: `Bearer ${token}` };
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      const after = i % 3 === 0 ? 0 : i % 3 === 1 ? 5 : 100;
      // Connect streaming over HTTP/1.1 (envelope framing, JSON).
      const json = Buffer.from(JSON.stringify({}));
      const envelope = Buffer.concat([Buffer.from([0, 0, 0, 0, json.length]), json]);
      jobs.push(http1Abandon({ ...auth, "content-type": "application/connect+json" }, envelope, after, i % 2 === 0));
      // gRPC-Web over HTTP/1.1.
      jobs.push(http1Abandon({ ...auth, "content-type": "application/grpc-web+proto" }, subscribe, after, i % 2 === 1));
    }
    // A raw socket that sends half a request line's headers and leaves.
    for (let i = 0; i < 20; i++) {
      jobs.push(
        new Promise((resolve) => {
          const socket = net.connect(herald.port, "127.0.0.1", () => {
            socket.write(`POST ${subscribePath} HTTP/1.1\r\nHost: x\r\nContent-Type: application/connect+json\r\n`);
            setTimeout(() => socket.destroy(), 20);
          });
          socket.on("error", () => resolve());
          socket.on("close", () => resolve());
        }),
      );
    }
    // gRPC over HTTP/2: streams reset after the first message, and a session destroyed mid-stream.
    const session = await connectHttp2(herald.url);
    for (let i = 0; i < 60; i++) {
      const stream = session.request(grpcHeaders(subscribePath, token));
      stream.on("error", () => undefined);
      stream.end(subscribe);
      jobs.push(
        new Promise((resolve) => {
          stream.once("data", () => stream.close(http2.constants.NGHTTP2_CANCEL));
          stream.once("close", () => resolve());
        }),
      );
    }
    const doomed = await connectHttp2(herald.url);
    for (let i = 0; i < 20; i++) {
      const stream = doomed.request(grpcHeaders(subscribePath, token));
      stream.on("error", () => undefined);
      stream.write(grpcFrame(new Uint8Array()).subarray(0, 3)); // half a frame
    }
    setTimeout(() => doomed.destroy(), 50);
    await Promise.all(jobs);
    session.close();

    await waitFor(() => herald.app.hub.size() === 0, 30_000, "every stream to end");
    await new Promise((resolve) => setTimeout(resolve, 500)); // late log lines
    const loud = lines.filter((l) => l.level >= logLevel.warn);
    expect(loud.map((l) => `${l.msg}: ${l.err?.message ?? ""}`)).toEqual([]);
  }, 120_000);
});
