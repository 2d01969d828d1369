import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { AbusePenalty } from "./abuse-penalty.js";
import { guardHttp2Session, type Http2GuardOptions, isLiveStream } from "./http2-guard.js";

export type HttpHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/** Another server that takes whole HTTP/2 connections (grpc-js). */
export interface Http2ConnectionTaker {
  inject(socket: net.Socket): void;
  close(graceMs: number): Promise<void>;
}

export interface HttpServer {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<net.AddressInfo>;
  /**
   * Stops accepting connections, asks open ones to finish (HTTP/2 GOAWAY, idle
   * HTTP/1.1 keep-alives closed), and destroys whatever is left after `graceMs`.
   */
  close(graceMs: number): Promise<void>;
}

/** Limits on what a connection may hold (README "Security"). */
export interface ConnectionLimits extends Http2GuardOptions {
  /**
   * A request's line and headers must be complete within this long of the
   * connection opening (or, on HTTP/1.1, of its previous response ending).
   */
  headersTimeoutMs: number;
  /** Most streams open at once on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /** Addresses whose connections were cut for abuse, and how long their new ones wait. */
  penalty?: AbusePenalty;
}

/** Connections from one penalized address that may wait at once; more are refused. */
const maxWaitingPerAddress = 64;

/**
 * One port for HTTP/2 cleartext (gRPC clients) and HTTP/1.1 (browsers, curl).
 * Node's http2 server speaks only h2c with prior knowledge, which browsers never
 * use, so a plain TCP listener looks at each connection's first bytes: the
 * HTTP/2 preface starts with "PRI", which no HTTP/1.1 method does.
 *
 * Node's own `headersTimeout` and `requestTimeout` apply only to servers that
 * listen themselves, which neither server here does (they are handed their
 * sockets), so this module keeps the deadlines: see {@link ConnectionLimits}.
 */
export function createHttpServer(
  handler: HttpHandler,
  limits: ConnectionLimits,
  http2Taker?: Http2ConnectionTaker,
): HttpServer {
  const h1 = http.createServer(handler);
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: limits.maxConcurrentStreams } }, (req, res) => {
    if (isLiveStream(req.stream)) handler(req, res);
  });
  h2.on("session", (session) => guardHttp2Session(session, limits));
  // HTTP/1.1: the next request's headers are due within headersTimeoutMs of the
  // connection turning idle (new, or its last response done), whether the
  // client sends nothing or one byte a second.
  const headerDeadlines = new Map<net.Socket, NodeJS.Timeout>();
  const awaitHeaders = (socket: net.Socket) => {
    clearTimeout(headerDeadlines.get(socket));
    const deadline = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    deadline.unref();
    headerDeadlines.set(socket, deadline);
  };
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<net.Socket>();
  // Node tracks idle HTTP/1.1 connections only for servers that listen
  // themselves, so Herald tracks which ones are between requests.
  const h1Sockets = new Set<net.Socket>();
  const h1Busy = new Set<net.Socket>();
  let closing = false;
  h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    h1Busy.add(socket);
    clearTimeout(headerDeadlines.get(socket));
    res.once("close", () => {
      h1Busy.delete(socket);
      if (closing) socket.end();
      else if (!socket.destroyed) awaitHeaders(socket);
    });
  });
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  const waiting = new Map<string, number>();
  const front = net.createServer({ pauseOnConnect: true }, (socket) => {
    const address = socket.remoteAddress ?? "";
    const wait = limits.penalty?.waitFor(address) ?? 0;
    if (wait === 0) {
      accept(socket);
      return;
    }
    // A penalized address: its connection waits, unread, before being served.
    const queued = waiting.get(address) ?? 0;
    if (queued >= maxWaitingPerAddress || closing) {
      socket.destroy();
      return;
    }
    waiting.set(address, queued + 1);
    socket.on("error", () => socket.destroy());
    setTimeout(() => {
      const left = (waiting.get(address) ?? 1) - 1;
      if (left === 0) waiting.delete(address);
      else waiting.set(address, left);
      if (socket.destroyed || closing) socket.destroy();
      else accept(socket);
    }, wait).unref();
  });
  const accept = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      h1Sockets.delete(socket);
      clearTimeout(headerDeadlines.get(socket));
      headerDeadlines.delete(socket);
    });
    socket.on("error", () => socket.destroy());
    // A connection that never says a word is dropped rather than held forever.
    socket.setTimeout(limits.headersTimeoutMs, () => socket.destroy());
    let head = Buffer.alloc(0);
    // Reading on 'readable' and unshifting keeps the bytes for the real server;
    // a 'data' listener here would break HTTP/2 sessions (see shared/NOTES.md).
    const sniff = () => {
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
        head = Buffer.concat([head, chunk]);
      }
      if (head.length < 3 && "PRI".startsWith(head.toString("latin1"))) return; // wait for more
      socket.removeListener("readable", sniff);
      socket.setTimeout(0);
      socket.unshift(head);
      const isHttp2 = head.toString("latin1", 0, 3) === "PRI";
      if (isHttp2 && http2Taker !== undefined) http2Taker.inject(socket);
      else (isHttp2 ? h2 : h1).emit("connection", socket);
      if (!isHttp2) {
        h1Sockets.add(socket);
        awaitHeaders(socket);
      }
    };
    socket.on("readable", sniff);
  };

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        front.once("error", reject);
        front.listen(port, host, () => {
          front.removeListener("error", reject);
          resolve(front.address() as net.AddressInfo);
        });
      });
    },
    async close(graceMs) {
      closing = true;
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      for (const session of sessions) session.close();
      const taken = http2Taker?.close(graceMs);
      const deadline = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      const drained = new Promise<void>((resolve) => {
        const check = () => {
          for (const socket of h1Sockets) if (!h1Busy.has(socket)) socket.end();
          if (sockets.size === 0) resolve();
          else setTimeout(check, 20);
        };
        check();
      });
      await Promise.all([closed, drained, taken]);
      clearTimeout(deadline);
    },
  };
}
