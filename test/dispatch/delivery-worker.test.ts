import { AckPolicy, type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { startDeliveryWorker } from "../../src/dispatch/delivery-worker.js";
import { uniquePrefix } from "../helpers/herald.js";
import { capturedLogger } from "../helpers/log-sink.js";

// A shutdown that arrives while a worker is still subscribing (Ctrl-C right
// after start, on a busy machine) must still end the worker: its stop() used
// to wait for a subscription nothing would ever end.
let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
});
afterAll(async () => {
  await nc.close();
});

it("stops a worker whose stop() came while it was still subscribing", async () => {
  const prefix = uniquePrefix();
  const jsm = await jetstreamManager(nc);
  const stream = `${prefix}_worker_stop`;
  await jsm.streams.add({ name: stream, subjects: [`${prefix}.worker.>`] });
  await jsm.consumers.add(stream, { durable_name: "email", ack_policy: AckPolicy.Explicit });
  const real = jetstream(nc);
  let subscribe: () => void = () => undefined;
  const subscribing = new Promise<void>((resolve) => {
    subscribe = resolve;
  });
  // The real client, with the consumer lookup held until stop() has been called.
  const js = {
    consumers: {
      get: async (s: string, c: string) => {
        await subscribing;
        return real.consumers.get(s, c);
      },
    },
  } as unknown as JetStreamClient;
  const { logger } = capturedLogger();
  const worker = startDeliveryWorker({
    js,
    stream,
    consumer: "email",
    concurrency: 2,
    logger,
    handle: async () => ({ ack: true }),
  });
  const stopped = worker.stop().then(() => "stopped");
  subscribe();
  // Generous for a busy machine; the bug was a stop that never ended.
  const outcome = await Promise.race([stopped, new Promise((r) => setTimeout(() => r("still running"), 20_000))]);
  expect(outcome).toBe("stopped");
  await jsm.streams.delete(stream);
}, 40_000);
