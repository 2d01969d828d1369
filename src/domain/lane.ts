import type { Priority } from "./notification.js";

/**
 * Each channel's deliveries travel in two lanes, each with its own JetStream
 * subject, durable consumer and workers: `urgent` (high and critical
 * notifications) and `bulk` (the rest), so a password reset never waits behind
 * a fan-out or a bulk Send. Inside a lane the outbox relay takes tenants in
 * turn (dispatch/outbox-relay.ts), so one tenant's broadcast does not hold
 * back another tenant's deliveries of the same lane either. The lane is
 * decided when a delivery is queued and kept on its outbox row.
 */
export const lanes = ["urgent", "bulk"] as const;
export type Lane = (typeof lanes)[number];

/** The lane of a notification's deliveries; unknown priorities (none recorded) go to bulk. */
export function laneOf(priority: Priority | null): Lane {
  return priority === "high" || priority === "critical" ? "urgent" : "bulk";
}
