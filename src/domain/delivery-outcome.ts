/**
 * How handling one queued delivery ended, in the domain's words; dispatch maps
 * it to the queue's (ack, nak with a delay, term).
 */
export type DeliveryOutcome =
  /** Nothing more to do: sent, suppressed, already settled, or gone. */
  | { kind: "done" }
  /** Not now: try again after this long (a transient failure, or another worker holds it). */
  | { kind: "retry"; afterMs: number }
  /** It will never be delivered; its dead letter is already out. */
  | { kind: "dead"; reason: string };

/** A dead delivery, as operators find it on the dead-letter stream. */
export interface DeadLetter {
  deliveryId: string;
  notificationId: string;
  channel: string;
  generation: number;
  error: string;
}
