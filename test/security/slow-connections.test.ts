import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListRequestSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { connectHttp2, grpcBody, grpcHeaders } from "../helpers/raw-http2.js";

// Item 5 of issue 9: connections that trickle or go silent are closed, on both
// paths (HTTP/1.1 and HTTP/2, also the connections grpc-js serves), after the
// configured timeouts. Short timeouts here; the defaults are in the README.

let herald: TestHerald;
beforeAll(async () => {
  herald = await startHerald({
    env: { HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_REQUEST_TIMEOUT_MS: "1000", HTTP_IDLE_TIMEOUT_MS: "1500" },
  });
});
afterAll(() => herald.close());

/** A raw TCP connection to Herald; `closed` resolves with the ms it stayed open. */
function rawSocket() {
  const socket = net.connect(herald.port, "127.0.0.1");
  socket.on("error", () => undefined);
  socket.on("data", () => undefined);
  const opened = performance.now();
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(performance.now() - opened)));
  const connected = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, closed, connected };
}

/** Writes `text` one byte every `everyMs` until the socket closes or `maxMs` passes. */
async function trickle(socket: net.Socket, text: string, everyMs: number, maxMs: number) {
  const deadline = performance.now() + maxMs;
  for (let i = 0; i < text.length && !socket.destroyed && performance.now() < deadline; i++) {
    socket.write(text[i] as string);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const within = 15_000; // the bound each closing must meet on a busy machine (timeouts are 1-1.5 s)

describe("slow and silent connections", () => {
  it("HTTP/1.1: headers sent a byte at a time are cut off", async () => {
    const conns = Array.from({ length: 20 }, () => rawSocket());
    await Promise.all(conns.map((c) => c.connected));
    const header =
      "POST /herald.v1.NotificationService/List HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: " +
      "a".repeat(500);
    void Promise.all(conns.map((c) => trickle(c.socket, header, 100, within)));
    const open = await Promise.all(conns.map((c) => c.closed));
    expect(Math.max(...open)).toBeLessThan(within);
  }, 60_000);

  it("HTTP/1.1: a body that stops arriving is cut off, with an answer", async () => {
    const conns = Array.from({ length: 10 }, () => rawSocket());
    await Promise.all(conns.map((c) => c.connected));
    const answers = conns.map(
      (c) =>
        new Promise<string>((resolve) => {
          let text = "";
          c.socket.on("data", (d: Buffer) => {
            text += d.toString();
          });
          c.socket.once("close", () => resolve(text));
        }),
    );
    const token = await herald.userToken("slow-body");
    for (const c of conns) {
      c.socket.write(
        `POST /herald.v1.NotificationService/List HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
      );
    }
    const open = await Promise.all(conns.map((c) => c.closed));
    expect(Math.max(...open)).toBeLessThan(within);
    // deadline_exceeded, which Connect sends as HTTP 504, then the connection closes.
    for (const answer of await Promise.all(answers)) {
      expect(answer).toMatch(/^HTTP\/1\.1 504/);
      expect(answer).toContain("the request body did not arrive within 1000 ms");
    }
  }, 60_000);

  it("a connection that never says a word is closed", async () => {
    const conns = Array.from({ length: 10 }, () => rawSocket());
    const open = await Promise.all(conns.map((c) => c.closed));
    expect(Math.max(...open)).toBeLessThan(within);
  }, 60_000);

  it("HTTP/2: a preface and then silence is closed, on the gRPC server's connections too", async () => {
    const conns = Array.from({ length: 10 }, () => rawSocket());
    await Promise.all(conns.map((c) => c.connected));
    // The client preface and an empty SETTINGS frame, then nothing.
    const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
    for (const c of conns) c.socket.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), settings]));
    const open = await Promise.all(conns.map((c) => c.closed));
    expect(Math.max(...open)).toBeLessThan(within);
  }, 60_000);

  it("HTTP/2: a stream whose request never ends is reset; the connection goes on serving", async () => {
    const session = await connectHttp2(herald.url);
    try {
      const token = await herald.userToken("slow");
      const body = grpcBody(ListRequestSchema, {});
      const stalled = session.request(grpcHeaders("/herald.v1.NotificationService/List", token));
      stalled.on("error", () => undefined);
      stalled.write(body.subarray(0, 3)); // part of the message, and no end
      const connectStalled = session.request({
        ":method": "POST",
        ":path": "/herald.v1.NotificationService/List",
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      });
      connectStalled.on("error", () => undefined);
      connectStalled.write("{");
      const ends = await Promise.all(
        [stalled, connectStalled].map(
          (s) => new Promise<number>((resolve) => s.once("close", () => resolve(s.rstCode ?? -1))),
        ),
      );
      expect(ends.length).toBe(2);
      // The session is still usable.
      const ok = session.request({
        ":method": "POST",
        ":path": "/herald.v1.NotificationService/List",
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      });
      const status = await new Promise<number | undefined>((resolve) => {
        ok.on("response", (h) => resolve(h[":status"]));
        ok.on("error", () => resolve(undefined));
        ok.end("{}");
      });
      expect(status).toBe(200);
    } finally {
      session.close();
    }
  }, 60_000);
});
