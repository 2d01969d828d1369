import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { DeliveryChannel } from "../channels/delivery-channel.js";
import type { InAppChannel } from "../channels/in-app-channel.js";
import { type DeliveryMessage, decodeDeliveryMessage, encodeDeliveryMessage } from "../contract/delivery-message.js";
import type { Channel, Notification } from "../domain/notification.js";
import type { Transactor } from "../store/database.js";
import type { DeliveryStore, OutboxItem } from "../store/delivery-store.js";
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
  const { js } = await setupDispatch({ nc: options.nc, prefix: options.prefix, channels, ackWaitMs: leaseMs });

  const publish = (item: OutboxItem) =>
    publishDelivery(js, names.deliver(item.channel), `${item.deliveryId}:${item.generation}`, {
      deliveryId: item.deliveryId,
      notificationId: item.notificationId,
      channel: item.channel,
      generation: item.generation,
      error: "",
    });
  const relay = createOutboxRelay({ db: options.db, deliveries: options.deliveries, publish, logger });

  const deliver = createDeliverMessage({
    deliveries: options.deliveries,
    channels: options.deliverers,
    isWanted: options.isWanted,
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
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

async function publishDelivery(js: JetStreamClient, subject: string, msgID: string, m: DeliveryMessage): Promise<void> {
  await js.publish(subject, encodeDeliveryMessage(m), { msgID, timeout: 5_000 });
}
