import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { waitFor } from "./wait.js";

/** One request the receiver verified with the reference Standard Webhooks implementation. */
export interface ReceivedWebhook {
  id: string;
  /** webhook-timestamp, unix seconds. */
  timestamp: number;
  payload: unknown;
  /** The body exactly as it arrived. */
  rawBody: string;
  headers: IncomingHttpHeaders;
  /** What the receiver answered. */
  status: number;
}

/** An answer the receiver gives instead of its usual 200. */
export interface CannedAnswer {
  status: number;
  /** Sent as the Retry-After header. */
  retryAfter?: string;
  headers?: Record<string, string>;
  /** The answer's body; default "ok" for 2xx, "answered <status>" otherwise. */
  body?: string;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>/hooks */
  url: string;
  deliveries: ReceivedWebhook[];
  /** Requests whose signature did not verify; they are answered 401. */
  readonly rejected: number;
  /** Every request, to any path, verified or not. */
  readonly requests: number;
  /** TCP connections accepted, to tell reused keep-alive connections from new ones. */
  readonly connections: number;
  /** Answers the next `times` verified requests with `answer`. */
  respond(answer: CannedAnswer, times?: number): void;
  /** Holds every later answer back this long (0 to stop). */
  delay(ms: number): void;
  /** Verifies later requests with this secret instead. */
  setSecret(secret: string): void;
  /** Client ports of the requests not answered yet (held back by `delay`), to tell which process holds them. */
  inFlight(): number[];
  /** Waits until at least `count` deliveries verified. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * A webhook endpoint on 127.0.0.1 that checks signatures with the
 * `standardwebhooks` package, so Herald's signer is tested against an
 * implementation it does not share code with.
 */
export async function startWebhookReceiver(options: { secret: string }): Promise<WebhookReceiver> {
  let verifier = new Webhook(options.secret);
  const canned: CannedAnswer[] = [];
  const deliveries: ReceivedWebhook[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let delayMs = 0;
  let rejected = 0;
  let requests = 0;
  let connections = 0;

  const pending = new Set<http.ServerResponse>();
  function answer(res: http.ServerResponse, { status, retryAfter, headers, body }: CannedAnswer): void {
    const send = () => {
      pending.delete(res);
      if (retryAfter !== undefined) res.setHeader("retry-after", retryAfter);
      res.writeHead(status, headers).end(body ?? (status >= 300 ? `answered ${status}` : "ok"));
    };
    if (delayMs === 0) {
      send();
      return;
    }
    pending.add(res);
    res.once("close", () => pending.delete(res));
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, delayMs);
    timers.add(timer);
  }

  function handle(req: http.IncomingMessage, rawBody: string, res: http.ServerResponse): void {
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(", ") : (value ?? ""),
      ]),
    );
    let payload: unknown;
    try {
      payload = verifier.verify(rawBody, headers);
    } catch {
      rejected += 1;
      answer(res, { status: 401 });
      return;
    }
    const reply = canned.shift() ?? { status: 200 };
    deliveries.push({
      id: headers["webhook-id"] ?? "",
      timestamp: Number(headers["webhook-timestamp"]),
      payload,
      rawBody,
      headers: req.headers,
      status: reply.status,
    });
    answer(res, reply);
  }

  const server = http.createServer((req, res) => {
    requests += 1;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    deliveries,
    get rejected() {
      return rejected;
    },
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    inFlight: () => [...pending].map((res) => res.socket?.remotePort ?? 0),
    respond(reply, times = 1) {
      for (let i = 0; i < times; i += 1) canned.push(reply);
    },
    delay(ms) {
      delayMs = ms;
    },
    setSecret(secret) {
      verifier = new Webhook(secret);
    },
    waitFor(count, timeoutMs = 5000) {
      return waitFor(() => deliveries.length >= count && deliveries, timeoutMs, `${count} verified webhooks`);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      // Kept-alive and held-back connections would otherwise keep close() waiting.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
