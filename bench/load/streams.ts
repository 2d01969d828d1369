import type * as grpc from "@grpc/grpc-js";
import { closeAll, connect } from "./grpc.js";

export interface OpenStreams {
  /** Streams that ended with an error other than our own cancel. */
  failures(): number;
  firstFailure(): string;
  /** Cancels every stream and closes the connections. */
  close(): void;
}

/** What a stream's message means to the benchmark. */
export type StreamEvent =
  | { kind: "ready" }
  | { kind: "message"; id: string }
  /** The server accepted the stream but will not deliver on it (e.g. not subscribed). */
  | { kind: "refused"; reason: string }
  | null;

/** The options every server's streams take (Herald's Subscribe, Centrifugo's uni gRPC Consume). */
export interface StreamOptions {
  userIds: string[];
  perConnection: number;
  /** Streams opening (not yet ready) at once. */
  openConcurrency: number;
  timeoutMs: number;
  /** Hears each message a stream receives (not the ready signal), with the time it arrived. */
  onMessage: (userIndex: number, messageId: string, at: number) => void;
}

/**
 * Opens one server stream per user, `perConnection` per HTTP/2 connection to
 * `port`, at most `openConcurrency` opening at once, and waits until every
 * stream has said it is ready (Herald's `synced`, Centrifugo's `connect`).
 * `start` opens user i's stream on a client; `classify` reads a message.
 */
export async function openServerStreams(
  options: StreamOptions & {
    port: number;
    start: (client: grpc.Client, userIndex: number) => Promise<grpc.ClientReadableStream<Buffer>>;
    classify: (bytes: Buffer) => StreamEvent;
  },
): Promise<OpenStreams> {
  const { userIds } = options;
  const clients = await connect(options.port, Math.ceil(userIds.length / options.perConnection));
  const calls: grpc.ClientReadableStream<Buffer>[] = [];
  let failures = 0;
  let firstFailure = "";
  let closing = false;
  const deadline = Date.now() + options.timeoutMs;

  const open = async (i: number) => {
    const call = await options.start(clients[Math.floor(i / options.perConnection)] as grpc.Client, i);
    calls.push(call);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stream ${i} not ready in time`)), deadline - Date.now());
      call.on("data", (bytes: Buffer) => {
        const at = performance.now();
        const event = options.classify(bytes);
        if (event?.kind === "ready") {
          clearTimeout(timer);
          resolve();
        } else if (event?.kind === "message") {
          options.onMessage(i, event.id, at);
        } else if (event?.kind === "refused") {
          clearTimeout(timer);
          failures++;
          firstFailure ||= event.reason;
          reject(new Error(`stream ${i}: ${event.reason}`));
        }
      });
      call.on("error", (error: Error) => {
        clearTimeout(timer);
        if (closing) return;
        failures++;
        firstFailure ||= error.message;
        reject(error);
      });
    });
  };

  let next = 0;
  const worker = async () => {
    while (next < userIds.length && Date.now() < deadline) await open(next++);
  };
  await Promise.all(Array.from({ length: Math.min(options.openConcurrency, userIds.length) }, worker));
  if (next < userIds.length) throw new Error(`only ${next} of ${userIds.length} streams opened in time`);
  return {
    failures: () => failures,
    firstFailure: () => firstFailure,
    close() {
      closing = true;
      for (const c of calls) c.cancel();
      closeAll(clients);
    },
  };
}
