import {
  AckPolicy,
  type ConsumerConfig,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { type Lane, lanes } from "../domain/lane.js";

/** Names of Herald's JetStream streams, consumers and subjects under one prefix. */
export function dispatchNames(prefix: string) {
  return {
    /** Deliveries waiting for a worker; work-queue retention, so an ack removes one. */
    stream: `${prefix}_deliveries`,
    /** Deliveries that ran out of attempts, and messages no worker could read, kept for operators (30 days). */
    deadStream: `${prefix}_dead_letters`,
    /**
     * A channel's subject in a lane: the bulk lane keeps the subject Herald
     * used before lanes existed, so messages queued before an upgrade are
     * still consumed.
     */
    deliver: (channel: string, lane: Lane = "bulk") =>
      lane === "bulk" ? `${prefix}.deliver.${channel}` : `${prefix}.deliver.${channel}.${lane}`,
    dead: (channel: string) => `${prefix}.dead.${channel}`,
    /** Where unreadable (poison) messages are kept. */
    poison: `${prefix}.dead.poison`,
    /** A channel's durable consumer in a lane; the bulk lane keeps the pre-lanes name. */
    consumer: (channel: string, lane: Lane = "bulk") =>
      `deliver-${channel.replaceAll("_", "-")}${lane === "bulk" ? "" : `-${lane}`}`,
    /** Fan-out chunks waiting for a worker (work queue), and their one consumer. */
    fanoutStream: `${prefix}_fanout`,
    fanoutChunk: `${prefix}.fanout.chunk`,
    fanoutConsumer: "fanout-chunks",
  };
}

export type DispatchNames = ReturnType<typeof dispatchNames>;

/** A step of provisioning JetStream failed; `step` says which, the cause says why. */
export class DispatchSetupError extends Error {
  constructor(
    readonly step: string,
    options: ErrorOptions,
  ) {
    super(
      `JetStream setup failed while ${step}: ${(options.cause as Error | undefined)?.message ?? "unknown"}`,
      options,
    );
    this.name = "DispatchSetupError";
  }
}

export interface DispatchSetupOptions {
  nc: NatsConnection;
  prefix: string;
  channels: readonly string[];
  /** How long a worker may hold a message before JetStream hands it to another. */
  ackWaitMs: number;
  /** How long a worker may hold a fan-out chunk before JetStream hands it to another (default 2 minutes). */
  fanoutAckWaitMs?: number;
  /** Copies of each stream and consumer (NATS_STREAM_REPLICAS): 1, or 3 or 5 on a cluster. */
  replicas: number;
}

/**
 * Provisions the streams and one durable pull consumer per channel and lane, idempotently
 * (every process does this at start), through the JetStream manager: what is
 * missing is created (told apart by JetStream's API error codes, not by
 * message text), what exists is brought to this configuration. File storage,
 * so accepted deliveries survive a NATS restart; a 2-minute duplicate window,
 * so a relay that publishes the same outbox row twice (it crashed before
 * deleting it) puts it in once. Streams and consumers get `replicas` copies;
 * when the setting changes, existing ones are scaled to it (JetStream moves the
 * data itself). More than one replica on a server that is not in a cluster is
 * refused here with a message that says what to change, rather than with
 * JetStream's own. Any other failure is a DispatchSetupError.
 */
export async function setupDispatch(
  options: DispatchSetupOptions,
): Promise<{ js: JetStreamClient; jsm: JetStreamManager }> {
  const names = dispatchNames(options.prefix);
  const replicas = options.replicas;
  const clusterName = options.nc.info?.cluster;
  if (replicas > 1 && clusterName === undefined) {
    throw new DispatchSetupError("checking NATS_STREAM_REPLICAS", {
      cause: new Error(
        `NATS_STREAM_REPLICAS=${replicas} needs a NATS cluster of at least ${replicas} JetStream servers, ` +
          `but ${options.nc.getServer()} is not in a cluster: set NATS_STREAM_REPLICAS=1, or point NATS_URL at a cluster`,
      ),
    });
  }
  const jsm = await step("connecting to the JetStream API", () => jetstreamManager(options.nc));
  await ensureStream(jsm, {
    name: names.stream,
    subjects: [`${options.prefix}.deliver.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(120_000),
    num_replicas: replicas,
  });
  await ensureStream(jsm, {
    name: names.deadStream,
    subjects: [`${options.prefix}.dead.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(30 * 24 * 3_600_000),
    duplicate_window: nanos(120_000),
    num_replicas: replicas,
  });
  for (const [channel, lane] of options.channels.flatMap((c) => lanes.map((l) => [c, l] as const))) {
    await ensureConsumer(jsm, names.stream, {
      durable_name: names.consumer(channel, lane),
      filter_subject: names.deliver(channel, lane),
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(options.ackWaitMs),
      // Herald counts attempts in Postgres; JetStream only redelivers.
      max_deliver: -1,
      max_ack_pending: 10_000,
      // No num_replicas: a consumer that leaves it 0 follows its stream's
      // replica count, also when the stream is scaled later. (Setting it
      // explicitly fails while the stream is still scaling: JetStream refuses a
      // consumer with more replicas than its stream has at that moment.)
    });
  }
  await ensureStream(jsm, {
    name: names.fanoutStream,
    subjects: [`${options.prefix}.fanout.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(120_000),
    num_replicas: replicas,
  });
  await ensureConsumer(jsm, names.fanoutStream, {
    durable_name: names.fanoutConsumer,
    filter_subject: names.fanoutChunk,
    ack_policy: AckPolicy.Explicit,
    // A chunk is one Send of up to 1,000 recipients: seconds on a busy machine.
    ack_wait: nanos(options.fanoutAckWaitMs ?? 120_000),
    max_deliver: -1,
    max_ack_pending: 10_000,
  });
  return { js: jetstream(options.nc), jsm };
}

function isMissing(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new DispatchSetupError(what, { cause: error });
  }
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }) {
  const exists = await jsm.streams.info(config.name).then(
    () => true,
    (error: unknown) => {
      if (isMissing(error, JetStreamApiCodes.StreamNotFound)) return false;
      throw new DispatchSetupError(`reading stream ${config.name}`, { cause: error });
    },
  );
  if (exists) await step(`updating stream ${config.name}`, () => jsm.streams.update(config.name, config));
  else await step(`creating stream ${config.name}`, () => jsm.streams.add(config));
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
) {
  const name = config.durable_name;
  const exists = await jsm.consumers.info(stream, name).then(
    () => true,
    (error: unknown) => {
      if (isMissing(error, JetStreamApiCodes.ConsumerNotFound)) return false;
      throw new DispatchSetupError(`reading consumer ${name}`, { cause: error });
    },
  );
  if (exists) {
    // Only what may change on a live consumer; the rest is fixed at creation.
    await step(`updating consumer ${name}`, () =>
      jsm.consumers.update(stream, name, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending }),
    );
  } else {
    await step(`creating consumer ${name}`, () => jsm.consumers.add(stream, config));
  }
}
