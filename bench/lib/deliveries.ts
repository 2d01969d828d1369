import type { Stack } from "./stack.js";

/**
 * How many of a channel's deliveries of notifications in `category` are sent,
 * and how many ended otherwise (dead, suppressed, failed, canceled), read from
 * Herald's database: what the delivery scenarios poll until all are settled.
 */
export async function settledDeliveries(
  stack: Stack,
  database: string,
  channel: string,
  category: string,
): Promise<{ sent: number; failed: number }> {
  const [row] = await stack.sql<{ sent: number; failed: number }>(
    database,
    `SELECT count(*) FILTER (WHERE d.status = 'sent')::int AS sent,
            count(*) FILTER (WHERE d.status IN ('dead', 'suppressed', 'failed', 'canceled'))::int AS failed
     FROM deliveries d JOIN notifications n ON n.id = d.notification_id
     WHERE d.channel = $1 AND n.category = $2`,
    [channel, category],
  );
  return row ?? { sent: 0, failed: 0 };
}
