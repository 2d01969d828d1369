import type { JetStreamClient } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { DeliveryChannel } from "../channels/delivery-channel.js";
import type { InAppChannel } from "../channels/in-app-channel.js";
import { type DeliveryMessage, decodeDeliveryMessage, encodeDeliveryMessage } from "../contract/delivery-message.js";
import type { Channel, Notification } from "../domain/notification.js";
import type { Transactor } from "../store/database.js";
import type { DeliveryStore, OutboxItem } from "../store/delivery-store.js";
import { contextFrom, traceHeaders } from "../telemetry/propagation.js";
import { inSpan, SpanKind } from "../telemetry/spans.js";
import { createDeliverMessage } from "../usecases/deliver-message.js";
import { createReleaseInApp } from "../usecases/release-in-app.js";
import { type DeliveryWorker, startDeliveryWorker } from "./delivery-worker.js";
import { dispatchNames, setupDispatch } from "./jetstream-setup.js";
import { createOutboxRelay } from "./outbox-relay.js";
import { createRetryPolicy } from "./retry-policy.js";

export interface DispatchRuntimeOptions {
  nc: NatsConnection;
  prefix: string;
  db: Transactor;
  deliveries: DeliveryStore;
  inApp: InAppChannel;
  /** Queued channels' deliverers; their keys are the channels this process works on. */
  deliverers: Partial<Record<Channel, DeliveryChannel>>;
  isWanted: (notification: Notification, channel: Channel) => Promise<boolean>;
  /** Reports delivery outcomes (metrics). */
  observe?: (channel: Channel, outcome: "sent" | "suppressed" | "retry" | "dead", seconds?: number) => void;
  settings: {
    workersEnabled: boolean;
    concurrency: number;
    timeoutMs: number;
    retryScheduleMs: readonly number[];
  };
  logger: Logger;
}

/**
 * The durable half of delivery: JetStream streams and consumers, the outbox
 * relay that feeds them, and (where enabled) one worker per channel. Every
 * process runs the relay; any number of processes run workers on the same
 * durable consumers and share the work.
 */
export async function startDispatch(options: DispatchRuntimeOptions) {
  const { logger } = options;
  const names = dispatchNames(options.prefix);
  const channels: Channel[] = ["in_app", ...(Object.keys(options.deliverers) as Channel[])];
  // A lease outlives the provider timeout (twice over, for the database work
  // around the call), so only a worker that died loses one.
  const leaseMs = Math.max(1_000, 2 * options.settings.timeoutMs);
  const { js, jsm } = await setupDispatch({ nc: options.nc, prefix: options.prefix, channels, ackWaitMs: leaseMs });

  const publish = (item: OutboxItem) => {
    const subject = names.deliver(item.channel);
    const msgID = `${item.deliveryId}:${item.generation}`;
    // The Send that queued the delivery may be long gone (the relay runs later,
    // maybe in another process): its trace comes from the outbox row.
    return inSpan(
      `publish ${subject}`,
      {
        kind: SpanKind.PRODUCER,
        parent: contextFrom((name) => item.trace[name]),
        attributes: {
          "messaging.system": "nats",
          "messaging.destination.name": subject,
          "messaging.message.id": msgID,
        },
      },
      () =>
        publishDelivery(js, subject, msgID, {
          deliveryId: item.deliveryId,
          notificationId: item.notificationId,
          channel: item.channel,
          generation: item.generation,
          error: "",
        }),
    );
  };
  const relay = createOutboxRelay({ db: options.db, deliveries: options.deliveries, publish, logger });

  const deliver = createDeliverMessage({
    deliveries: options.deliveries,
    channels: traced(options.deliverers),
    isWanted: options.isWanted,
    observe: options.observe,
    deadLetter: (m) => publishDelivery(js, names.dead(m.channel), `${m.deliveryId}:${m.generation}:dead`, m),
    timing: { ...createRetryPolicy(options.settings.retryScheduleMs), leaseMs, timeoutMs: options.settings.timeoutMs },
  });
  const releaseInApp = createReleaseInApp({
    db: options.db,
    deliveries: options.deliveries,
    isWanted: (n) => options.isWanted(n, "in_app"),
    inApp: options.inApp,
  });

  const workers: DeliveryWorker[] = [];
  if (options.settings.workersEnabled) {
    for (const channel of channels) {
      workers.push(
        startDeliveryWorker({
          js,
          stream: names.stream,
          consumer: names.consumer(channel),
          concurrency: options.settings.concurrency,
          logger,
          handle: async (data) => {
            const message = decodeDeliveryMessage(data);
            if (message === null) {
              logger.warn({ channel }, "dropping a message that is not a DeliveryMessage");
              return { ack: true };
            }
            return message.channel === "in_app" ? releaseInApp(message.deliveryId) : deliver(message);
          },
        }),
      );
    }
  }

  return {
    relay,
    js,
    names,
    /** Messages each channel's consumer has not delivered or not seen acked (metrics). */
    async pending(): Promise<Record<string, number>> {
      const counts: Record<string, number> = {};
      for (const channel of channels) {
        const info = await jsm.consumers.info(names.stream, names.consumer(channel));
        counts[channel] = info.num_pending + info.num_ack_pending;
      }
      return counts;
    },
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

/** Publishes to JetStream with the current trace as W3C headers. */
async function publishDelivery(js: JetStreamClient, subject: string, msgID: string, m: DeliveryMessage): Promise<void> {
  const h = headers();
  for (const [name, value] of Object.entries(traceHeaders())) h.set(name, value);
  await js.publish(subject, encodeDeliveryMessage(m), { msgID, timeout: 5_000, headers: h });
}

/** Each provider call in a client span of its own, with the provider's message id. */
function traced(deliverers: Partial<Record<Channel, DeliveryChannel>>): Partial<Record<Channel, DeliveryChannel>> {
  return Object.fromEntries(
    Object.entries(deliverers).map(([channel, d]) => [
      channel,
      {
        deliver: (job, signal) =>
          inSpan(
            `${channel} send`,
            { kind: SpanKind.CLIENT, attributes: { "herald.channel": channel, "herald.delivery.id": job.delivery.id } },
            async (setAttributes) => {
              const receipt = await d.deliver(job, signal);
              setAttributes({ "herald.provider.message_id": receipt.providerMessageId });
              return receipt;
            },
          ),
        close: () => d.close?.(),
      } satisfies DeliveryChannel,
    ]),
  );
}
