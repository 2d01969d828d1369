import type * as grpc from "@grpc/grpc-js";
import { mintUserToken } from "../../src/auth/user-tokens.js";
import { bearer, closeAll, connect, decode, encode, methods, streamRaw } from "./grpc.js";

export interface OpenStreams {
  /** Subscribe streams that ended with an error other than our own cancel. */
  failures(): number;
  firstFailure(): string;
  /** Cancels every stream and closes the connections. */
  close(): void;
}

/**
 * Opens one Subscribe stream per user, each with the user's own token (HS256,
 * minted with Herald's secret), `perConnection` streams per HTTP/2 connection,
 * and waits until every stream has said `synced`. `onCreated` hears each
 * `created` event with the time it arrived.
 */
export async function openStreams(options: {
  port: number;
  userTokenSecret: string;
  userIds: string[];
  perConnection: number;
  /** Streams opening (not yet synced) at once. */
  openConcurrency: number;
  timeoutMs: number;
  onCreated: (userIndex: number, notificationId: string, at: number) => void;
}): Promise<OpenStreams> {
  const { userIds } = options;
  const clients = await connect(options.port, Math.ceil(userIds.length / options.perConnection));
  const request = encode.subscribe({});
  const calls: grpc.ClientReadableStream<Buffer>[] = [];
  let failures = 0;
  let firstFailure = "";
  let closing = false;
  const deadline = Date.now() + options.timeoutMs;

  const open = async (i: number) => {
    const token = await mintUserToken(options.userTokenSecret, userIds[i] as string, { ttlSeconds: 3600 });
    const client = clients[Math.floor(i / options.perConnection)] as grpc.Client;
    const call = streamRaw(client, methods.subscribe, request, bearer(token));
    calls.push(call);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stream ${i} not synced in time`)), deadline - Date.now());
      call.on("data", (bytes: Buffer) => {
        const at = performance.now();
        const kind = decode.subscribe(bytes).event?.kind;
        if (kind?.case === "synced") {
          clearTimeout(timer);
          resolve();
        } else if (kind?.case === "created") {
          options.onCreated(i, kind.value.notification?.id ?? "", at);
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
