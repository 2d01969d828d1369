import type { JetStreamManager } from "@nats-io/jetstream";
import { lanes } from "../domain/lane.js";
import type { DispatchNames } from "./jetstream-setup.js";
import { laneKey } from "./outbox-relay.js";

/**
 * How many more messages each of the asked lanes may be given now: the cap
 * (DISPATCH_LANE_BACKLOG) less its consumer's `num_pending`. Only messages no
 * worker has taken count: those workers hold, and retries waiting out their
 * delay, are not a line new messages queue behind. Null when there is no cap
 * (0) or JetStream is not set up yet.
 */
export function createLaneRoom(options: {
  jsm: () => JetStreamManager | null;
  names: DispatchNames;
  channels: readonly string[];
  cap: number;
}) {
  return async (keys: readonly string[]): Promise<Map<string, number> | null> => {
    const manager = options.jsm();
    if (options.cap === 0 || manager === null) return null;
    const wanted = new Set(keys);
    const room = new Map<string, number>();
    await Promise.all(
      options.channels.flatMap((channel) =>
        lanes
          .filter((lane) => wanted.has(laneKey({ channel, lane })))
          .map(async (lane) => {
            const info = await manager.consumers.info(options.names.stream, options.names.consumer(channel, lane));
            room.set(laneKey({ channel, lane }), options.cap - info.num_pending);
          }),
      ),
    );
    return room;
  };
}
