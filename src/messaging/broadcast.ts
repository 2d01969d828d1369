import type { Logger } from "pino";
import type { NatsLink } from "./nats.js";

/**
 * A best-effort message to every Herald process of a deployment (core NATS):
 * for news that lets others drop what they cached (a preference changed, a
 * token revoked). Whoever uses one must also cope with a lost message (a TTL, a
 * periodic reload), since NATS may be down.
 */
export interface Broadcast {
  send(text: string): void;
  /** Calls `handler` with every message on the subject, also this process's own. */
  listen(handler: (text: string) => void): void;
}

export function createBroadcast(link: NatsLink, subject: string, logger: Logger): Broadcast {
  return {
    send(text) {
      try {
        link.current()?.publish(subject, text);
      } catch (err) {
        logger.warn({ err, subject }, "could not broadcast");
      }
    },
    listen(handler) {
      void link.ready.then((nc) =>
        nc.subscribe(subject, {
          callback: (error, msg) => {
            if (error !== null) {
              logger.warn({ err: error, subject }, "broadcast subscription error");
              return;
            }
            try {
              handler(msg.string());
            } catch (err) {
              logger.warn({ err, subject }, "broadcast handler failed");
            }
          },
        }),
      );
    },
  };
}
