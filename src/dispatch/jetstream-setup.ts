import {
  AckPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import type { Channel } from "../domain/notification.js";

/** Names of Herald's JetStream streams, consumers and subjects under one prefix. */
export function dispatchNames(prefix: string) {
  return {
    /** Deliveries waiting for a worker; work-queue retention, so an ack removes one. */
    stream: `${prefix}_deliveries`,
    /** Deliveries that ran out of attempts, kept for operators (30 days). */
    deadStream: `${prefix}_dead_letters`,
    deliver: (channel: Channel) => `${prefix}.deliver.${channel}`,
    dead: (channel: Channel) => `${prefix}.dead.${channel}`,
    consumer: (channel: Channel) => `deliver-${channel.replace("_", "-")}`,
  };
}

export type DispatchNames = ReturnType<typeof dispatchNames>;

export interface DispatchSetupOptions {
  nc: NatsConnection;
  prefix: string;
  channels: readonly Channel[];
  /** How long a worker may hold a message before JetStream hands it to another. */
  ackWaitMs: number;
}

/**
 * Provisions the streams and one durable pull consumer per channel, idempotently
 * (every process does this at start). File storage, so accepted deliveries
 * survive a NATS restart; a 2-minute duplicate window, so a relay that publishes
 * the same outbox row twice (it crashed before deleting it) puts it in once.
 */
export async function setupDispatch(
  options: DispatchSetupOptions,
): Promise<{ js: JetStreamClient; jsm: JetStreamManager }> {
  const names = dispatchNames(options.prefix);
  const jsm = await jetstreamManager(options.nc);
  await ensureStream(jsm, {
    name: names.stream,
    subjects: [`${options.prefix}.deliver.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(120_000),
  });
  await ensureStream(jsm, {
    name: names.deadStream,
    subjects: [`${options.prefix}.dead.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(30 * 24 * 3_600_000),
  });
  for (const channel of options.channels) {
    const config = {
      durable_name: names.consumer(channel),
      filter_subject: names.deliver(channel),
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(options.ackWaitMs),
      // Herald counts attempts in Postgres; JetStream only redelivers.
      max_deliver: -1,
      max_ack_pending: 10_000,
    };
    try {
      await jsm.consumers.add(names.stream, config);
    } catch {
      await jsm.consumers.update(names.stream, config.durable_name, { ack_wait: config.ack_wait });
    }
  }
  return { js: jetstream(options.nc), jsm };
}

async function ensureStream(jsm: JetStreamManager, config: Parameters<JetStreamManager["streams"]["add"]>[0]) {
  try {
    await jsm.streams.info(config.name as string);
    await jsm.streams.update(config.name as string, config);
  } catch {
    await jsm.streams.add(config);
  }
}
