import type { Channel } from "../domain/channel.js";
import type { QuietHours } from "../domain/workflow.js";
import { insideWindow, windowEnd, zoneOf } from "./local-time.js";

/**
 * Whether a user's quiet hours cover a channel: the channels they listed, or,
 * when they listed none, every channel that reaches them as a person. In-app
 * is never held (it lands silently in the inbox), and webhooks go to systems,
 * not people.
 */
export function quietCovers(quiet: QuietHours, channel: Channel): boolean {
  if (quiet.channels.length > 0) return quiet.channels.includes(channel) && channel !== "in_app";
  return channel !== "in_app" && channel !== "webhook";
}

/**
 * When a delivery due at `at` on `channel` may go, if quiet hours hold it:
 * the end of the window it falls in (in the quiet hours' own zone, else the
 * recipient's, else UTC); null when it may go at `at`. `critical` (priority
 * critical in a required category) is never held.
 */
export function quietUntil(
  at: Date,
  recipientTimezone: string,
  quiet: QuietHours | null,
  channel: Channel,
  critical: boolean,
): Date | null {
  if (quiet === null || critical || !quietCovers(quiet, channel)) return null;
  const zone = zoneOf(recipientTimezone, quiet.timezone);
  return insideWindow(at, zone, quiet.window) ? windowEnd(at, zone, quiet.window) : null;
}
