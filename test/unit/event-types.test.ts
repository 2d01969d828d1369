import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EventType as EventTypePb, EventTypeSchema } from "../../gen/ts/herald/v1/event_pb.js";
import { eventToPb, eventTypesFromPb } from "../../src/contract/event.js";
import { eventTypes } from "../../src/domain/event.js";

const migration = readFileSync(
  path.resolve(import.meta.dirname, "../../src/store/migrations/0017-event-log.ts"),
  "utf8",
);

describe("event types", () => {
  it("map one to one onto the proto enum, every value but unspecified", () => {
    const values = EventTypeSchema.values.map((v) => v.number).filter((n) => n !== EventTypePb.UNSPECIFIED);
    expect(eventTypesFromPb(values)).toEqual(eventTypes);
    for (const type of eventTypes) {
      const pb = eventToPb({
        seq: 1,
        type,
        time: new Date(),
        tenantId: "t",
        userId: "u",
        notificationId: "",
        notification: null,
        notificationIds: [],
        all: false,
        detail: null,
        delivery: null,
      });
      expect(EventTypePb[pb.type]?.toLowerCase().replace("_", ".")).toBe(type);
    }
  });

  it("the feed trigger copies exactly the notification.* kinds WatchEvents has, created aside", () => {
    const kinds = eventTypes
      .filter((t) => t.startsWith("notification.") && t !== "notification.created")
      .map((t) => t.slice("notification.".length));
    const listed = /WHERE a\.kind IN \(([^)]*)\)/.exec(migration)?.[1] ?? "";
    expect(new Set(listed.split(",").map((k) => k.trim().replace(/'/g, "")))).toEqual(new Set(kinds));
  });
});
