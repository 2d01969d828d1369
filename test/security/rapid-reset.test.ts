import { spawn } from "node:child_process";
import http2 from "node:http2";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RapidResetConfig } from "../../bench/load/rapid-reset.js";
import { grpcJsClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { grpcHeaders } from "../helpers/raw-http2.js";

// Item 2 of issue 9: an HTTP/2 rapid-reset flood is cut off per connection
// (GOAWAY ENHANCE_YOUR_CALM after the burst), the flooding address's new
// connections wait, and a legitimate caller on its own connection is served
// all along. The flood comes from 127.0.0.2, another loopback address, so
// Herald can tell it apart from the legitimate caller on 127.0.0.1.

const root = path.resolve(import.meta.dirname, "../..");
let herald: TestHerald;
beforeAll(async () => {
  herald = await startHerald({
    env: {
      HTTP2_RESET_BURST: "100",
      HTTP2_RESETS_PER_SECOND: "10",
      ABUSE_PENALTY_BASE_MS: "5000",
      ABUSE_PENALTY_MAX_MS: "5000",
    },
  });
});
afterAll(() => herald.close());

async function connectionsCut(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${herald.app.metricsPort}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith('herald_connections_cut_total{reason="rapid_reset"}'));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

function connectFrom(localAddress: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(herald.url, {
    createConnection: () => net.connect({ port: herald.port, host: "127.0.0.1", localAddress }),
  });
  session.on("error", () => undefined);
  return new Promise((resolve, reject) => {
    session.once("connect", () => resolve(session));
    session.once("close", () => reject(new Error("closed before connecting")));
  });
}

describe("HTTP/2 rapid reset", () => {
  it("cuts the connection with GOAWAY once its reset budget is spent", async () => {
    const before = await connectionsCut();
    const session = await connectFrom("127.0.0.2");
    const goaway = new Promise<number>((resolve) => session.once("goaway", (code) => resolve(code)));
    const closed = new Promise<void>((resolve) => session.once("close", () => resolve()));
    let opened = 0;
    while (!session.closed && !session.destroyed && opened < 5000) {
      for (let i = 0; i < 50; i++) {
        try {
          const stream = session.request(grpcHeaders("/herald.v1.NotificationService/List"), { endStream: true });
          stream.on("error", () => undefined);
          stream.close(http2.constants.NGHTTP2_CANCEL);
          opened++;
        } catch {
          break;
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(await goaway).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    await closed;
    expect(opened).toBeLessThan(5000);
    expect(await connectionsCut()).toBe(before + 1);
  }, 60_000);

  it("makes the flooding address's new connections wait, and no one else's", async () => {
    // The previous test struck 127.0.0.2; its next connection waits ABUSE_PENALTY_BASE_MS.
    const token = await herald.userToken("penalized");
    const firstAnswer = async (localAddress: string) => {
      const t0 = performance.now();
      const session = await connectFrom(localAddress);
      const stream = session.request({
        ":method": "POST",
        ":path": "/herald.v1.NotificationService/List",
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      });
      const status = await new Promise<number | undefined>((resolve) => {
        stream.on("response", (h) => resolve(h[":status"]));
        stream.on("error", () => resolve(undefined));
        stream.end("{}");
      });
      session.close();
      return { status, ms: performance.now() - t0 };
    };
    const [penalized, other] = await Promise.all([firstAnswer("127.0.0.2"), firstAnswer("127.0.0.1")]);
    expect(penalized.status).toBe(200);
    expect(penalized.ms).toBeGreaterThan(3000);
    expect(other.status).toBe(200);
    expect(other.ms).toBeLessThan(penalized.ms);
  }, 60_000);

  it("serves a legitimate caller on its own connection through a sustained flood", async () => {
    const client = grpcJsClient(herald.port, await herald.userToken("legit"));
    await client.list({}); // connected before the flood, as a real client would be
    const before = await connectionsCut();
    const config: RapidResetConfig = {
      port: herald.port,
      connections: 10,
      durationMs: 6000,
      path: "/herald.v1.NotificationService/List",
      authorization: null,
      bodyBase64: "",
      localAddress: "127.0.0.2",
    };
    const attacker = spawn(
      process.execPath,
      ["--import", "tsx", path.join(root, "bench/load/rapid-reset.ts"), JSON.stringify(config)],
      { cwd: root, stdio: ["pipe", "pipe", "inherit"] },
    );
    const result = new Promise<Record<string, number>>((resolve, reject) => {
      readline.createInterface({ input: attacker.stdout }).on("line", (line) => {
        const message = JSON.parse(line) as { type: string } & Record<string, number>;
        if (message.type === "result") resolve(message);
        if (message.type === "error") reject(new Error(String(message.message)));
      });
    });
    const answered: number[] = [];
    const deadline = performance.now() + 6000;
    try {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await client.list({});
        answered.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      }
      const flood = await result;
      expect(flood.streams).toBeGreaterThan(1000); // it did flood
    } finally {
      attacker.stdin.end();
      client.close();
    }
    expect(answered.length).toBeGreaterThan(20); // every call above resolved; none failed
    expect(await connectionsCut()).toBeGreaterThan(before);
  }, 90_000);
});
