import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGuardedPost, type GuardedPost, type GuardedPostOptions } from "../../src/channels/guarded-post.js";
import { PrivateNetworkError } from "../../src/channels/network-guard.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../src/domain/delivery-errors.js";
import { rejection, waitFor } from "../helpers/wait.js";

/** What the test server saw of one request. */
interface Seen {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A plain HTTP server on 127.0.0.1 whose answer each test sets; it records requests and connections. */
async function startServer() {
  const seen: Seen[] = [];
  let handler: Handler = (_req, res) => res.end("ok");
  let connections = 0;
  let closedConnections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      handler(req, res);
    });
  });
  server.on("connection", (socket) => {
    connections += 1;
    socket.on("close", () => {
      closedConnections += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    seen,
    answer(next: Handler) {
      handler = next;
    },
    get connections() {
      return connections;
    },
    get openConnections() {
      return connections - closedConnections;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was just given up). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Answers nothing, ever: the request is held open until the server closes its connections. */
const never: Handler = () => {};

describe("guarded post", () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const posters: GuardedPost[] = [];
  const poster = (options: Partial<GuardedPostOptions> = {}) => {
    const created = createGuardedPost({ allowPrivateNetworks: true, timeoutMs: 5_000, keepBodyBytes: 0, ...options });
    posters.push(created);
    return created;
  };

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    for (const p of posters.splice(0)) p.close();
    await server.close();
  });

  it("posts the body with the caller's headers and content-length, and returns the answer with its body", async () => {
    server.answer((_req, res) => res.writeHead(201, { "x-request-id": "r-1" }).end("accepted"));
    const answer = await poster({ keepBodyBytes: 1024 }).post(server.url, '{"a":"ü"}', {
      "content-type": "application/json",
    });
    expect(answer).toMatchObject({ status: 201, body: "accepted" });
    expect(answer.headers["x-request-id"]).toBe("r-1");
    expect(server.seen).toEqual([
      expect.objectContaining({
        method: "POST",
        body: '{"a":"ü"}',
        headers: expect.objectContaining({ "content-type": "application/json", "content-length": "10" }),
      }),
    ]);
  });

  it("keeps only the first keepBodyBytes bytes of a longer answer", async () => {
    const long = "0123456789".repeat(20_000);
    server.answer((_req, res) => res.writeHead(400).end(long));
    const answer = await poster({ keepBodyBytes: 1000 }).post(server.url, "{}", {});
    expect(answer.status).toBe(400);
    expect(answer.body).toBe(long.slice(0, 1000));
  });

  it("with keepBodyBytes 0, answers on the status line without waiting for the body", async () => {
    // The body never ends: a poster that waited for it would time out instead.
    server.answer((_req, res) => {
      res.writeHead(202);
      res.write("partial");
    });
    const answer = await poster({ keepBodyBytes: 0, timeoutMs: 20_000 }).post(server.url, "{}", {});
    expect(answer).toMatchObject({ status: 202, body: "" });
  });

  it("reuses a kept-alive connection, and close() ends it", async () => {
    const reused = poster();
    await reused.post(server.url, "{}", {});
    await reused.post(server.url, "{}", {});
    expect(server.connections).toBe(1);
    reused.close();
    await waitFor(() => server.openConnections === 0, 10_000, "the pooled connection to close");
  });

  it("gives up on a receiver that never answers after timeoutMs: transient, 'timed out'", async () => {
    server.answer(never);
    const started = Date.now();
    const error = await rejection(poster({ timeoutMs: 300 }).post(server.url, "{}", {}));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("timed out");
    // Far more than 300 ms, far less than the 30 s a test may take: the timeout, not the test, ended it.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("also bounds reading a kept body that never ends", async () => {
    server.answer((_req, res) => {
      res.writeHead(200);
      res.write("never finished");
    });
    const error = await rejection(poster({ timeoutMs: 300, keepBodyBytes: 1024 }).post(server.url, "{}", {}));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("timed out");
  });

  it("with excerptWaitMs, answers with what came of a stalled body instead of timing out", async () => {
    // A receiver that says 200 and never finishes its body got the message: it must not be a failure and a retry.
    server.answer((_req, res) => {
      res.writeHead(200);
      res.write("accepted, still writing");
    });
    const answer = await poster({ timeoutMs: 20_000, keepBodyBytes: 1024, excerptWaitMs: 200 }).post(
      server.url,
      "{}",
      {},
    );
    expect(answer).toMatchObject({ status: 200, body: "accepted, still writing" });
  });

  it("with excerptWaitMs, still returns a whole body that ends in time", async () => {
    server.answer((_req, res) => res.writeHead(500).end("boom"));
    const answer = await poster({ keepBodyBytes: 1024, excerptWaitMs: 5_000 }).post(server.url, "{}", {});
    expect(answer).toMatchObject({ status: 500, body: "boom" });
  });

  it("stops when the caller's signal aborts, and calls the worker's own timeout a timeout", async () => {
    server.answer(never);
    const controller = new AbortController();
    const call = poster({ timeoutMs: 20_000 }).post(server.url, "{}", {}, controller.signal);
    await waitFor(() => server.seen.length === 1, 10_000, "the request to arrive");
    controller.abort();
    const aborted = await rejection(call);
    expect(aborted).toBeInstanceOf(TransientDeliveryError);
    expect(aborted.message).toBe("aborted");

    const budget = await rejection(poster({ timeoutMs: 20_000 }).post(server.url, "{}", {}, AbortSignal.timeout(200)));
    expect(budget).toBeInstanceOf(TransientDeliveryError);
    expect(budget.message).toBe("timed out");
  });

  it("sends nothing when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(poster().post(server.url, "{}", {}, controller.signal));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("aborted");
    expect(server.connections).toBe(0);
  });

  it("retries a refused connection, naming neither address nor port", async () => {
    const port = await closedPort();
    const error = await rejection(poster().post(`http://127.0.0.1:${port}/hook`, "{}", {}));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("connection refused");
    expect(error.message).not.toContain(String(port));
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  it("labels every failure for its sender, and takes a sender's own texts instead", async () => {
    const port = await closedPort();
    server.answer(never);
    const teams = poster({ label: "Teams request", timeoutMs: 300 });
    expect((await rejection(teams.post(`http://127.0.0.1:${port}/`, "{}", {}))).message).toBe(
      "Teams request failed: connection refused",
    );
    expect((await rejection(teams.post(server.url, "{}", {}))).message).toBe("Teams request timed out");
    const own = poster({ label: "Slack request", timeoutMs: 300, messages: { timedOut: "no answer within 300 ms" } });
    expect((await rejection(own.post(server.url, "{}", {}))).message).toBe("no answer within 300 ms");
    expect((await rejection(own.post(`http://127.0.0.1:${port}/`, "{}", {}))).message).toBe(
      "Slack request failed: connection refused",
    );
  });

  it("refuses, for good and without connecting, a private address unless private networks are allowed", async () => {
    const guarded = poster({ allowPrivateNetworks: false });
    // A literal address never reaches the lookup; a name is checked when it resolves.
    for (const url of [`https://127.0.0.1:${server.port}/hook`, `https://localhost:${server.port}/hook`]) {
      const error = await rejection(guarded.post(url, "{}", {}));
      expect(error, url).toBeInstanceOf(PermanentDeliveryError);
      expect((error as PermanentDeliveryError).reason).toBe("rejected");
      expect(error.message).toBe("refused: address not allowed");
    }
    const resolved = await rejection(guarded.post(`https://localhost:${server.port}/hook`, "{}", {}));
    expect(resolved.cause).toBeInstanceOf(PrivateNetworkError);
    const worded = poster({ allowPrivateNetworks: false, label: "Teams request", messages: { notAllowed: "no" } });
    expect((await rejection(worded.post(`https://localhost:${server.port}/`, "{}", {}))).message).toBe("no");
    expect(server.connections).toBe(0);

    const answer = await poster({ allowPrivateNetworks: true }).post(server.url, "{}", {});
    expect(answer.status).toBe(200);
  });
});
