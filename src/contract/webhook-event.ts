import { type JsonObject, toJson } from "@bufbuild/protobuf";
import { EventSchema } from "../../gen/ts/herald/v1/event_pb.js";
import type { LoggedEvent } from "../domain/event.js";
import { eventToPb } from "./event.js";

/**
 * The body of an event's webhook: a Standard Webhooks event, `type` the
 * event's type (`delivery.sent`...), `timestamp` when it happened (RFC 3339),
 * `data` the `Event` message (event.proto) as proto JSON, the same message
 * WatchEvents streams.
 */
export function webhookEventPayload(event: LoggedEvent): { type: string; timestamp: string; data: JsonObject } {
  return {
    type: event.type,
    timestamp: event.time.toISOString(),
    data: toJson(EventSchema, eventToPb(event)) as JsonObject,
  };
}
