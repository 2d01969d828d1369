import type { EnvReader } from "./env.js";

/** The API port: where it listens, which gRPC stack, and what a connection may hold (README "Security"). */
export interface ServerConfig {
  port: number;
  host: string;
  /** Which stack serves gRPC on HTTP/2: grpc-js (faster; README "Architecture") or connect-node. */
  grpcServer: "grpc-js" | "connect-node";
  /** Browser origins allowed by CORS; `*` allows any; empty disables CORS. */
  corsAllowedOrigins: string[];
  /** Longest a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Largest request message accepted; larger requests are ResourceExhausted. */
  requestMaxBytes: number;
  /** A request's line and headers must arrive within this long of the connection opening or turning idle. */
  headersTimeoutMs: number;
  /** A request's body must arrive within this long after its headers. */
  requestTimeoutMs: number;
  /** An HTTP/2 connection with no open stream is closed after this long. */
  idleTimeoutMs: number;
  /** Most streams a client may have open at once on one HTTP/2 connection. */
  maxConcurrentStreams: number;
  /** Streams a client may reset on one HTTP/2 connection in a burst before it is cut off. */
  resetBurst: number;
  /** Resets per second that refill that burst. */
  resetsPerSecond: number;
  /** After a connection is cut for abuse, new connections from that address wait this long (doubling per offence). */
  abusePenaltyBaseMs: number;
  /** The longest such wait. */
  abusePenaltyMaxMs: number;
}

export function readServer(env: EnvReader): ServerConfig {
  const grpcServer = env.str("GRPC_SERVER", "grpc-js") ?? "grpc-js";
  if (grpcServer !== "grpc-js" && grpcServer !== "connect-node") {
    env.problems.push(`GRPC_SERVER must be grpc-js or connect-node, got "${grpcServer}"`);
  }
  return {
    port: env.int("PORT", 8080, 0, 65535),
    host: env.str("HOST", "0.0.0.0") ?? "0.0.0.0",
    grpcServer: grpcServer === "connect-node" ? "connect-node" : "grpc-js",
    corsAllowedOrigins: env.list("CORS_ALLOWED_ORIGINS"),
    shutdownTimeoutMs: env.int("SHUTDOWN_TIMEOUT_MS", 10_000, 100, 600_000),
    requestMaxBytes: env.int("REQUEST_MAX_BYTES", 4 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    headersTimeoutMs: env.int("HTTP_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000),
    requestTimeoutMs: env.int("HTTP_REQUEST_TIMEOUT_MS", 30_000, 100, 600_000),
    idleTimeoutMs: env.int("HTTP_IDLE_TIMEOUT_MS", 120_000, 1_000, 3_600_000),
    maxConcurrentStreams: env.int("HTTP2_MAX_CONCURRENT_STREAMS", 250, 1, 100_000),
    resetBurst: env.int("HTTP2_RESET_BURST", 200, 1, 1_000_000),
    resetsPerSecond: env.int("HTTP2_RESETS_PER_SECOND", 50, 1, 1_000_000),
    abusePenaltyBaseMs: env.int("ABUSE_PENALTY_BASE_MS", 250, 0, 600_000),
    abusePenaltyMaxMs: env.int("ABUSE_PENALTY_MAX_MS", 10_000, 0, 3_600_000),
  };
}
