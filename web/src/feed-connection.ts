import { Code, ConnectError } from "@connectrpc/connect";
import type { FeedEvent } from "../../gen/ts/herald/v1/feed_pb.js";
import { type BackoffOptions, backoffDelay, defaultBackoff, sleep } from "./backoff.js";
import type { HeraldClient } from "./herald-client.js";

/**
 * Where the live feed stands: `connecting` (first attempt), `live` (replay
 * done, events arrive as they happen), `reconnecting` (waiting to retry after
 * a drop), `unauthorized` (the token was refused; retrying cannot help until
 * it is replaced), `stopped`.
 */
export type FeedState = "connecting" | "live" | "reconnecting" | "unauthorized" | "stopped";

export interface FeedConnectionOptions {
  client: HeraldClient;
  /** Every event, in feed order, replayed ones included. */
  onEvent: (event: FeedEvent) => void;
  /** Called whenever the state changes; `error` is why the stream was lost. */
  onState?: (state: FeedState, error?: unknown) => void;
  /** Waits between attempts. */
  backoff?: BackoffOptions;
  /**
   * Reconnect when nothing, not even a heartbeat, arrived for this long: a
   * connection that a sleeping laptop or a NAT silently dropped never errors on
   * its own. Three of Herald's default heartbeat intervals (15 s).
   */
  idleTimeoutMs?: number;
}

export interface FeedConnection {
  /** The cursor of the last event received; a reconnect resumes after it. */
  readonly cursor: string;
  /** Skips the current backoff wait (the browser came back online). */
  reconnectNow(): void;
  stop(): void;
}

/**
 * Keeps a Subscribe stream open for as long as it runs. On an error or an end
 * of the stream it waits (exponential backoff with jitter) and subscribes
 * again with the cursor of the last event it saw, so Herald replays exactly
 * the events missed in between before `synced`. The caller reloads its list
 * when `synced.reset` says the cursor was too old to replay from.
 */
export function startFeedConnection(options: FeedConnectionOptions): FeedConnection {
  const backoff = options.backoff ?? defaultBackoff;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const stopped = new AbortController();
  let cursor = "";
  let wake = new AbortController();
  let state: FeedState | null = null;
  const setState = (next: FeedState, error?: unknown) => {
    if (next === state) return;
    state = next;
    options.onState?.(next, error);
  };

  /** One stream, until it fails or ends; true when it reached `synced` (the backoff starts over). */
  async function streamOnce(): Promise<boolean> {
    const attempt = new AbortController();
    const abortAll = () => attempt.abort();
    stopped.signal.addEventListener("abort", abortAll);
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdleTimer = () => {
      clearTimeout(idle);
      idle = setTimeout(() => attempt.abort(new ConnectError("no heartbeat", Code.DeadlineExceeded)), idleTimeoutMs);
    };
    let synced = false;
    try {
      armIdleTimer();
      for await (const res of options.client.subscribe({ cursor }, { signal: attempt.signal })) {
        armIdleTimer();
        const event = res.event;
        if (event === undefined) continue;
        // Heartbeats carry the head cursor too, but adopting it could skip an
        // event the stream has not delivered yet; only events we saw move it.
        if (event.kind.case !== "heartbeat" && event.cursor !== "") cursor = event.cursor;
        if (event.kind.case === "synced") {
          synced = true;
          setState("live");
        }
        options.onEvent(event);
      }
      return synced;
    } finally {
      clearTimeout(idle);
      stopped.signal.removeEventListener("abort", abortAll);
    }
  }

  async function run() {
    setState("connecting");
    for (let failures = 0; !stopped.signal.aborted; ) {
      let error: unknown = new ConnectError("stream ended", Code.Unavailable);
      try {
        if (await streamOnce()) failures = 0;
      } catch (err) {
        error = err;
        if (stopped.signal.aborted) break;
        const code = ConnectError.from(err).code;
        if (code === Code.Unauthenticated || code === Code.PermissionDenied) {
          setState("unauthorized", err);
          return;
        }
      }
      if (stopped.signal.aborted) break;
      setState("reconnecting", error);
      wake = new AbortController();
      await sleep(backoffDelay(failures++, backoff), wake.signal);
    }
    setState("stopped");
  }

  void run();
  return {
    get cursor() {
      return cursor;
    },
    reconnectNow: () => wake.abort(),
    stop: () => {
      stopped.abort();
      wake.abort();
    },
  };
}
