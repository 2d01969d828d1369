import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { type DeliveryMessage, decodeDeliveryMessage, encodeDeliveryMessage } from "../contract/delivery-message.js";
import type { DeliveryOutcome } from "../domain/delivery-outcome.js";
import { lanes } from "../domain/lane.js";
import type { Channel } from "../domain/notification.js";
import type { NatsLink } from "../messaging/nats.js";
import type { Database } from "../store/database.js";
import { type OutboxItem, outboxStore } from "../store/outbox-store.js";
import type { Metrics } from "../telemetry/metrics.js";
import { contextFrom, traceHeaders } from "../telemetry/propagation.js";
import { inSpan, SpanKind } from "../telemetry/spans.js";
import type { QueuedDelivery } from "../usecases/deliver-message.js";
import { createDeadLetters } from "./dead-letters.js";
import { type DeliveryWorker, type Disposition, startDeliveryWorker } from "./delivery-worker.js";
import { createFanoutQueue } from "./fanout-queue.js";
import { dispatchNames, setupDispatch } from "./jetstream-setup.js";
import { createLaneRoom } from "./lane-room.js";
import { createOutboxRelay } from "./outbox-relay.js";
import type { SchedulerTask } from "./scheduler.js";

export interface DeliveryOptions {
  link: NatsLink;
  db: Database;
  prefix: string;
  /** Copies JetStream keeps of each stream and consumer (NATS_STREAM_REPLICAS). */
  streamReplicas: number;
  /** Channels with a queue (every channel this server offers: scheduled in-app deliveries queue too). */
  channels: readonly Channel[];
  /** Makes one delivery (usecases/deliver-message.ts); dispatch turns its outcome into ack, nak or term. */
  deliver: (delivery: QueuedDelivery) => Promise<DeliveryOutcome>;
  settings: {
    workersEnabled: boolean;
    /** Messages each channel's bulk-lane worker handles at once (DELIVERY_CONCURRENCY). */
    concurrency: number;
    /** Messages each channel's urgent-lane worker handles at once (DELIVERY_URGENT_CONCURRENCY). */
    urgentConcurrency: number;
    /** How long a worker may hold a message before JetStream hands it to another. */
    leaseMs: number;
    /** Messages a lane may hold on JetStream not yet taken by a worker (DISPATCH_LANE_BACKLOG; 0: no cap). */
    laneBacklog: number;
  };
  /** Writes one fan-out chunk (usecases/expand-fanout-chunk.ts); a throw means: redeliver later. */
  expandChunk: (tenantId: string, fanoutId: string, chunk: number) => Promise<void>;
  /** One round of splitting recorded fan-outs into chunks (usecases); true if there may be more. */
  planFanout: () => Promise<boolean>;
  /** Pause between the background rounds below when the last found nothing (OUTBOX_RELAY_INTERVAL_MS). */
  relayIntervalMs: number;
  /** Fan-out chunks written at once by this process, and how long one may be held. */
  fanout: { concurrency: number; ackWaitMs: number; chunksInFlight: number };
  /** Told of each unreadable message set aside (metrics). */
  onPoison?: () => void;
  logger: Logger;
}

/** What setup has reached, for readiness. */
export type DeliveryState = { ready: boolean; error: string | null };

/**
 * The durable half of delivery, which owns the queue: JetStream's streams and
 * consumers (provisioned once NATS is there, retried until they are), the
 * outbox relay that feeds them, and one worker per channel and lane (urgent
 * for high and critical notifications, bulk for the rest; domain/lane.ts). Workers hand each
 * message to `deliver` and map its outcome: done and dead to ack (a dead
 * delivery's letter is out already), retry to nak with the delay; a message
 * that is not a DeliveryMessage is set aside on the dead-letter stream and
 * terminated, never redelivered.
 */
export function startDelivery(options: DeliveryOptions) {
  const { logger } = options;
  const names = dispatchNames(options.prefix);
  let js: JetStreamClient | null = null;
  let jsm: JetStreamManager | null = null;
  let state: DeliveryState = { ready: false, error: null };
  let stopped = false;
  const workers: DeliveryWorker[] = [];
  const deadLetters = createDeadLetters(() => js, names);

  const publish = (item: OutboxItem) => {
    const client = js;
    if (client === null) return Promise.reject(new Error("JetStream is not set up yet"));
    // Retries are naks of this message, so a delivery stays in its lane.
    const subject = names.deliver(item.channel, item.lane);
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
      () => publishMessage(client, subject, msgID, { ...item, error: "" }),
    );
  };
  const laneRoom = createLaneRoom({
    jsm: () => jsm,
    names,
    channels: options.channels,
    cap: options.settings.laneBacklog,
  });
  const relay = createOutboxRelay({ db: options.db, publish, laneRoom, logger });
  const fanouts = createFanoutQueue({
    db: options.db,
    js: () => js,
    names,
    expand: options.expandChunk,
    perFanout: options.fanout.chunksInFlight,
    // Well past the time a live process may hold one (after which JetStream redelivers it itself).
    republishAfterMs: 3 * options.fanout.ackWaitMs,
  });

  const handle = async (msg: JsMsg): Promise<Disposition> => {
    const message = decodeDeliveryMessage(msg.data);
    if (message === null) {
      await deadLetters.poison(msg.data, {
        subject: msg.subject,
        streamSequence: msg.info.streamSequence,
        deliveryCount: msg.info.deliveryCount,
      });
      options.onPoison?.();
      logger.warn(
        { subject: msg.subject, streamSequence: msg.info.streamSequence },
        "set aside a message that is not a DeliveryMessage (on the dead-letter stream)",
      );
      return { term: "not a herald.v1.DeliveryMessage" };
    }
    const outcome = await options.deliver(message);
    return outcome.kind === "retry" ? { retryInMs: outcome.afterMs } : { ack: true };
  };

  const started = (async () => {
    const nc: NatsConnection = await options.link.ready;
    for (let attempt = 1; !stopped; attempt++) {
      try {
        const setup = await setupDispatch({
          nc,
          prefix: options.prefix,
          channels: options.channels,
          ackWaitMs: options.settings.leaseMs,
          fanoutAckWaitMs: options.fanout.ackWaitMs,
          replicas: options.streamReplicas,
        });
        js = setup.js;
        jsm = setup.jsm;
        break;
      } catch (err) {
        state = { ready: false, error: (err as Error).message };
        // Every failure is reported, less often as they go on.
        if (attempt <= 3 || attempt % 30 === 0) logger.warn({ err, attempt }, "delivery setup failed; retrying");
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    if (stopped || js === null) return;
    if (state.error !== null) logger.info("delivery setup succeeded");
    state = { ready: true, error: null };
    if (!options.settings.workersEnabled) return;
    workers.push(
      startDeliveryWorker({
        js,
        stream: names.fanoutStream,
        consumer: names.fanoutConsumer,
        concurrency: options.fanout.concurrency,
        logger,
        handle: (msg) => fanouts.handle(msg),
      }),
    );
    // Each lane has its own slots: bulk can never hold the urgent lane's.
    const concurrency = { urgent: options.settings.urgentConcurrency, bulk: options.settings.concurrency };
    for (const channel of options.channels) {
      for (const lane of lanes) {
        workers.push(
          startDeliveryWorker({
            js,
            stream: names.stream,
            consumer: names.consumer(channel, lane),
            concurrency: concurrency[lane],
            logger,
            handle,
          }),
        );
      }
    }
  })();

  /** Messages each channel's consumers (both lanes) hold, not yet delivered or not yet acked. */
  const pending = async (): Promise<Record<string, number>> => {
    const manager = jsm;
    if (manager === null) return {};
    const counts: Record<string, number> = {};
    for (const channel of options.channels) {
      counts[channel] = 0;
      for (const lane of lanes) {
        const info = await manager.consumers.info(names.stream, names.consumer(channel, lane));
        counts[channel] += info.num_pending + info.num_ack_pending;
      }
    }
    return counts;
  };

  return {
    names,
    /** Where the delivery use case sends dead letters. */
    deadLetter: deadLetters.letter,
    /**
     * The queue's background rounds for the scheduler: the outbox relay (none
     * until setup is done), fan-out planning, and handing recorded chunks to
     * JetStream. Each returns whether there is more to do right away.
     */
    tasks: [
      {
        name: "outbox-relay",
        everyMs: options.relayIntervalMs,
        run: () => (js === null ? Promise.resolve(false) : relay.runOnce()),
      },
      { name: "fanout-planner", everyMs: options.relayIntervalMs, run: options.planFanout },
      { name: "fanout-relay", everyMs: options.relayIntervalMs, run: async () => (await fanouts.relayOnce()) > 0 },
    ] satisfies SchedulerTask[],
    state: (): DeliveryState => state,
    /** Messages the channels' consumers (both lanes) hold that no worker has taken yet (throws when JetStream does not answer). */
    async consumerPending(): Promise<number> {
      const manager = jsm;
      if (manager === null) throw new Error("JetStream is not set up yet");
      const infos = await Promise.all(
        options.channels.flatMap((channel) =>
          lanes.map((lane) => manager.consumers.info(names.stream, names.consumer(channel, lane))),
        ),
      );
      return infos.reduce((sum, info) => sum + info.num_pending, 0);
    },
    /** The queue's gauges: outbox backlog and age, consumers' pending messages. */
    registerGauges(metrics: Metrics) {
      const backlog = () => outboxStore.backlog(options.db);
      metrics.polledGauge(
        "herald_outbox_backlog",
        "Deliveries committed and due but not yet on JetStream.",
        async () => (await backlog()).count,
      );
      metrics.polledGauge(
        "herald_outbox_oldest_age_seconds",
        "Age of the oldest due outbox row (0 when empty).",
        async () => (await backlog()).oldestAgeMs / 1000,
      );
      metrics.polledGauge(
        "herald_consumer_pending",
        "Messages a channel's JetStream consumers (both lanes) hold: not yet delivered, or delivered and not yet acked.",
        pending,
        "channel",
      );
    },
    async stop() {
      stopped = true;
      // If setup still waits for NATS there is nothing to stop.
      await Promise.race([started, new Promise((r) => setTimeout(r, 100))]);
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

export type Delivery = ReturnType<typeof startDelivery>;

/** Publishes to JetStream with the current trace as W3C headers. */
async function publishMessage(js: JetStreamClient, subject: string, msgID: string, m: DeliveryMessage) {
  const h = headers();
  for (const [name, value] of Object.entries(traceHeaders())) h.set(name, value);
  await js.publish(subject, encodeDeliveryMessage(m), { msgID, timeout: 5_000, headers: h });
}
