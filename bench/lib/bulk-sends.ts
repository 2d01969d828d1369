import { create } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { type NotificationService, SendRequestSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";

/**
 * Sends `notifications` in-app notifications as Sends of `batch` new users
 * each, `inFlight` Sends at a time; returns when each notification's Send
 * answered (performance.now()), by notification id, and the seconds it took.
 */
export async function bulkInAppSends(
  sender: Client<typeof NotificationService>,
  notifications: number,
  batch: number,
  inFlight = 4,
): Promise<{ sentAt: Map<string, number>; seconds: number }> {
  const sentAt = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < notifications / batch) {
        const call = next++;
        const userIds = Array.from({ length: batch }, (_, i) => `u${call}-${i}`);
        const res = await sender.send(
          create(SendRequestSchema, { userIds, category: "bench", title: "t", body: "b", channels: [Channel.IN_APP] }),
        );
        const now = performance.now();
        for (const n of res.notifications) sentAt.set(n.id, now);
      }
    }),
  );
  return { sentAt, seconds: (performance.now() - started) / 1000 };
}
