import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { EventService } from "../../gen/ts/herald/v1/event_service_pb.js";
import { decodeEventCursor, eventTypesFromPb, watchEventsResponseOf } from "../contract/event.js";
import type { WatchEvents } from "../usecases/watch-events.js";
import { principalOf } from "./principal-context.js";

/** herald.v1.EventService. */
export function eventService(watchEvents: WatchEvents): ServiceImpl<typeof EventService> {
  return {
    async *watchEvents(req, ctx) {
      const input = {
        cursor: req.cursor === "" ? null : decodeEventCursor(req.cursor),
        fromOldest: req.fromOldest,
        types: eventTypesFromPb(req.types),
        tenantId: req.tenantId,
      };
      for await (const item of watchEvents(principalOf(ctx), input, ctx.signal)) {
        yield watchEventsResponseOf(item);
      }
      // Like Subscribe: the stream ends only when the call is aborted; at
      // shutdown the reason (Unavailable) tells the client to resume elsewhere.
      if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason, Code.Unavailable);
    },
  };
}
