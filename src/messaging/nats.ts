import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

export interface NatsOptions {
  /** Server URLs, comma-separated. */
  url: string;
  /** Client name shown by the server's monitoring. */
  name: string;
  logger: Logger;
}

export interface NatsLink {
  /** Resolves once the first connection is up (it never rejects; it may never resolve). */
  ready: Promise<NatsConnection>;
  /** The connection, or null before the first one. */
  current(): NatsConnection | null;
  /** Whether NATS is reachable right now (connected, not reconnecting). */
  isConnected(): boolean;
  /** Stops connecting, or drains the connection. */
  close(): Promise<void>;
}

/**
 * Connects to NATS in the background and keeps reconnecting for as long as the
 * process lives. Herald serves without NATS: Postgres is the record, Send
 * writes the outbox, and streams catch up from Postgres on every heartbeat;
 * what needs NATS (live fan-out, the relay, workers) starts once it is there.
 */
export function connectNats(options: NatsOptions): NatsLink {
  const servers = options.url.split(",").map((s) => s.trim());
  let nc: NatsConnection | null = null;
  let connected = false;
  let closed = false;
  let wake: (() => void) | null = null;

  const ready = (async () => {
    for (let attempt = 0; ; attempt++) {
      if (closed) return new Promise<NatsConnection>(() => undefined);
      try {
        const connection = await connect({
          servers,
          name: options.name,
          timeout: 2_000,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
        });
        if (closed) {
          await connection.close();
          return new Promise<NatsConnection>(() => undefined);
        }
        nc = connection;
        connected = true;
        watch(connection, options.logger, (up) => {
          connected = up;
        });
        if (attempt > 0) options.logger.info("NATS connected");
        return connection;
      } catch (err) {
        if (attempt === 0) options.logger.warn({ err }, "NATS unreachable; serving without it and retrying");
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();

  return {
    ready,
    current: () => nc,
    isConnected: () => connected && nc !== null && !nc.isClosed(),
    async close() {
      closed = true;
      wake?.();
      const connection = nc;
      if (connection !== null) await connection.drain().catch(() => connection.close());
    },
  };
}

function watch(nc: NatsConnection, logger: Logger, onChange: (connected: boolean) => void): void {
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        onChange(false);
        logger.warn({ server: status.server }, "NATS disconnected");
      }
      if (status.type === "reconnect") {
        onChange(true);
        logger.info({ server: status.server }, "NATS reconnected");
      }
    }
  })().catch(() => undefined);
}
