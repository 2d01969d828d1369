import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { contextFrom } from "../telemetry/propagation.js";
import { inSpan, SpanKind } from "../telemetry/spans.js";

/** What became of a message: what the worker tells JetStream. */
export type Disposition =
  /** Done (sent, settled, dead with its letter out, or nothing to do): JetStream forgets it. */
  | { ack: true }
  /** Try again after `retryInMs` (JetStream redelivers then). */
  | { retryInMs: number }
  /** Never deliverable as it stands (unreadable): JetStream must not redeliver it. */
  | { term: string };

export interface DeliveryWorkerOptions {
  js: JetStreamClient;
  stream: string;
  consumer: string;
  /** Messages handled at once by this process. */
  concurrency: number;
  /** Handles one message; a throw counts as "retry in a few seconds" (a database or NATS hiccup). */
  handle: (msg: JsMsg) => Promise<Disposition>;
  logger: Logger;
}

export interface DeliveryWorker {
  /** Stops taking messages and waits for those in hand (their outcome is still recorded). */
  stop(): Promise<void>;
}

/**
 * Consumes one channel's durable pull consumer with bounded concurrency. The
 * client buffers no more than it can work on, so a busy process does not sit
 * on messages an idle one could take. The loop re-creates its subscription when
 * it ends unexpectedly (NATS restart, missed heartbeats), with a short pause.
 */
export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { logger } = options;
  let stopped = false;
  let messages: ConsumerMessages | null = null;
  const inFlight = new Set<Promise<void>>();

  const process = async (msg: JsMsg) => {
    // Long provider calls keep the message ours (JetStream would redeliver
    // after ack_wait); the database lease protects against the rest.
    const keepAlive = setInterval(() => msg.working(), 10_000);
    try {
      // The delivery's trace came along in the message headers (the relay put
      // it there): the work here continues the Send's trace.
      const disposition = await inSpan(
        `process ${msg.subject}`,
        {
          kind: SpanKind.CONSUMER,
          parent: contextFrom((name) => msg.headers?.get(name)),
          attributes: {
            "messaging.system": "nats",
            "messaging.destination.name": msg.subject,
            "messaging.consumer.group.name": options.consumer,
            "messaging.message.delivery_count": msg.info.deliveryCount,
          },
        },
        () => options.handle(msg),
      );
      if ("ack" in disposition) msg.ack();
      else if ("term" in disposition) msg.term(disposition.term);
      else msg.nak(disposition.retryInMs);
    } catch (err) {
      logger.warn({ err, consumer: options.consumer }, "delivery handler failed; retrying");
      msg.nak(5_000);
    } finally {
      clearInterval(keepAlive);
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const consumer = await options.js.consumers.get(options.stream, options.consumer);
        messages = await consumer.consume({ max_messages: options.concurrency });
        // stop() may have come while the subscription was being made: it could
        // not end this one, and nothing else would (NATS is up, heartbeats flow).
        if (stopped) messages.stop();
        void watchHeartbeats(messages);
        for await (const msg of messages) {
          if (stopped) {
            // Buffered but not started: back to JetStream now, not after ack_wait.
            msg.nak();
            continue;
          }
          const job = process(msg);
          inFlight.add(job);
          void job.finally(() => inFlight.delete(job));
          if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
        }
      } catch (err) {
        if (!stopped) logger.warn({ err, consumer: options.consumer }, "delivery consumer interrupted; resubscribing");
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 1_000));
    }
  })();

  async function watchHeartbeats(m: ConsumerMessages) {
    for await (const s of m.status()) {
      if (s.type === "heartbeats_missed" && s.count >= 2) m.stop();
    }
  }

  return {
    async stop() {
      stopped = true;
      messages?.stop();
      await loop;
      await Promise.all(inFlight);
    },
  };
}
