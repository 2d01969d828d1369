import http2 from "node:http2";

export interface Http2GuardOptions {
  /** Streams a client may reset before their end, in a burst, before the connection is cut. */
  resetBurst: number;
  /** Resets per second that refill that burst. */
  resetsPerSecond: number;
  /** A connection with no open stream for this long is closed (GOAWAY). */
  idleTimeoutMs: number;
  /** A stream's request (headers through the end of its body) must arrive within this long. */
  requestTimeoutMs: number;
  /**
   * Paths of the methods whose request is a stream of messages (SendStream):
   * their body ends when the client is done, so the request deadline does
   * not apply; the method bounds its own idleness.
   */
  requestStreamPaths?: ReadonlySet<string>;
  /** Told when a connection is cut for abuse, with the client's address. */
  onAbuse?: (reason: "rapid_reset", address: string | undefined) => void;
}

/** How many of the latest streams are checked for a reset when the next one opens. */
const recentStreams = 8;

/**
 * Bounds what one HTTP/2 connection can make Herald do, whichever server (Node's
 * or grpc-js's) owns the session:
 * - Rapid reset (CVE-2023-44487): a client that opens streams and resets them
 *   at once makes the server start a call for each, for nothing. Resets are
 *   counted in a token bucket per connection; a connection that empties it gets
 *   GOAWAY (ENHANCE_YOUR_CALM) and is destroyed on the spot. Resets are noticed
 *   when the next stream opens (nghttp2 has applied the earlier RST_STREAM by
 *   then), inside the same read, so the rest of what the flood has queued is
 *   never processed: a connection costs its burst and no more. nghttp2's own
 *   limit (1,000 resets) is far above what a legitimate client does.
 * - A connection with no open stream (a preface and then silence included) is
 *   closed after `idleTimeoutMs`; Herald's clients reconnect when they need to.
 * - A stream whose request does not finish arriving in `requestTimeoutMs` is
 *   reset: every Herald RPC but the request streams (`requestStreamPaths`)
 *   takes one message, so a request that trickles in holds its slot without
 *   using it.
 */
export function guardHttp2Session(session: http2.ServerHttp2Session, options: Http2GuardOptions): void {
  let tokens = options.resetBurst;
  let refilledAt = performance.now();
  let open = 0;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    idle = setTimeout(() => {
      if (open === 0 && !session.closed && !session.destroyed) session.close();
    }, options.idleTimeoutMs);
    idle.unref();
  };
  armIdle();
  session.once("close", () => clearTimeout(idle));

  // Streams whose reset was counted, and those this guard reset itself.
  const settled = new WeakSet<http2.ServerHttp2Stream>();
  const recent: http2.ServerHttp2Stream[] = [];
  /** Counts a stream the client reset; cuts the connection when the budget is spent. */
  const resetByClient = (stream: http2.ServerHttp2Stream) => {
    if (settled.has(stream)) return;
    settled.add(stream);
    const now = performance.now();
    tokens = Math.min(options.resetBurst, tokens + ((now - refilledAt) / 1000) * options.resetsPerSecond) - 1;
    refilledAt = now;
    if (tokens < 0 && !session.destroyed) {
      options.onAbuse?.("rapid_reset", session.socket?.remoteAddress);
      session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      session.destroy();
    }
  };
  // Ended with RST_STREAM and an error code: the client cancelled it (Herald's
  // servers end their streams with trailers, and this guard marks its own resets).
  const wasReset = (stream: http2.ServerHttp2Stream) =>
    stream.rstCode !== undefined && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR;

  // Prepended: it runs before the servers start a call for the stream.
  session.prependListener("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    for (const earlier of recent) if (wasReset(earlier)) resetByClient(earlier);
    recent.push(stream);
    if (recent.length > recentStreams) recent.shift();
    if (session.destroyed) return;
    open += 1;
    clearTimeout(idle);
    const untimed = options.requestStreamPaths?.has(String(headers[":path"] ?? "").split("?", 1)[0] ?? "") ?? false;
    const deadline = untimed
      ? undefined
      : setTimeout(() => {
          if (stream.readableEnded || stream.closed) return;
          settled.add(stream);
          stream.close(http2.constants.NGHTTP2_CANCEL);
        }, options.requestTimeoutMs);
    deadline?.unref();
    stream.once("end", () => clearTimeout(deadline));
    stream.once("close", () => {
      clearTimeout(deadline);
      open -= 1;
      if (open === 0 && !session.closed && !session.destroyed) armIdle();
      if (wasReset(stream)) resetByClient(stream);
    });
  });
}

/** Whether a stream is worth starting a call for: not already reset or cut off with its connection. */
export function isLiveStream(stream: http2.Http2Stream): boolean {
  return !stream.destroyed && !stream.closed && !stream.session?.destroyed;
}
