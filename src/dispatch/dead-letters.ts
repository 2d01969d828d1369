import type { JetStreamClient } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { encodeDeliveryMessage } from "../contract/delivery-message.js";
import type { DeadLetter } from "../domain/delivery-outcome.js";
import type { Channel } from "../domain/notification.js";
import { traceHeaders } from "../telemetry/propagation.js";
import type { DispatchNames } from "./jetstream-setup.js";

/**
 * The dead-letter stream: deliveries that will never go out, as
 * `herald.v1.DeliveryMessage` with the last error, and messages no worker could
 * read (poison), as they came. Publishes resolve once JetStream stored them;
 * the message id makes a repeat (a crash between the letter and the status)
 * land once within the duplicate window.
 */
export function createDeadLetters(js: () => JetStreamClient | null, names: DispatchNames) {
  const client = () => {
    const current = js();
    if (current === null) throw new Error("JetStream is not connected; the dead letter will be written on a retry");
    return current;
  };
  return {
    async letter(letter: DeadLetter): Promise<void> {
      const h = headers();
      for (const [name, value] of Object.entries(traceHeaders())) h.set(name, value);
      await client().publish(
        names.dead(letter.channel),
        encodeDeliveryMessage({ ...letter, channel: letter.channel as Channel }),
        {
          msgID: `${letter.deliveryId}:${letter.generation}:dead`,
          timeout: 5_000,
          headers: h,
        },
      );
    },

    /** Keeps an unreadable message: its bytes, where it came from and how often it was delivered. */
    async poison(data: Uint8Array, from: { subject: string; streamSequence: number; deliveryCount: number }) {
      const h = headers();
      h.set("Herald-Poison-Subject", from.subject);
      h.set("Herald-Poison-Delivery-Count", String(from.deliveryCount));
      await client().publish(names.poison, data, {
        msgID: `poison:${from.subject}:${from.streamSequence}`,
        timeout: 5_000,
        headers: h,
      });
    },
  };
}

export type DeadLetters = ReturnType<typeof createDeadLetters>;
