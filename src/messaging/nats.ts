import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

export interface NatsOptions {
  /** Server URLs, comma-separated. */
  url: string;
  /** Client name shown by the server's monitoring. */
  name: string;
  logger: Logger;
}

/**
 * Connects to NATS and keeps reconnecting for as long as the process lives: a
 * NATS outage delays live events, it does not take Herald down. The first
 * connection is awaited, also retried, so a process started before its NATS
 * comes up waits for it.
 */
export async function connectNats(options: NatsOptions): Promise<NatsConnection> {
  const servers = options.url.split(",").map((s) => s.trim());
  const nc = await connect({
    servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") options.logger.warn({ server: status.server }, "NATS disconnected");
      if (status.type === "reconnect") options.logger.info({ server: status.server }, "NATS reconnected");
    }
  })().catch(() => undefined);
  return nc;
}
