import { describe, expect, it } from "vitest";
import { planTakes } from "../../src/dispatch/outbox-relay.js";
import type { OutboxQueue } from "../../src/store/outbox-store.js";

const q = (
  tenantId: string,
  lane: "bulk" | "urgent" = "bulk",
  channel: "email" | "webhook" = "email",
): OutboxQueue => ({
  channel,
  lane,
  tenantId,
});
const taken = (plan: ReturnType<typeof planTakes>) =>
  Object.fromEntries(plan.takes.map((t) => [`${t.channel}.${t.lane}.${t.tenantId}`, t.take]));

describe("planTakes: how a relay round splits a lane's room between tenants", () => {
  it("gives every tenant of a lane an equal share of its room", () => {
    const plan = planTakes([q("a"), q("b"), q("c"), q("d")], new Map([["email.bulk", 100]]), 256, 0);
    expect(taken(plan)).toEqual({ "email.bulk.a": 25, "email.bulk.b": 25, "email.bulk.c": 25, "email.bulk.d": 25 });
    expect(plan.full).toBe(false);
  });

  it("takes a batch per lane when there is no cap, and lanes do not share", () => {
    const plan = planTakes([q("a"), q("b"), q("a", "urgent"), q("a", "bulk", "webhook")], null, 256, 0);
    expect(taken(plan)).toEqual({
      "email.bulk.a": 128,
      "email.bulk.b": 128,
      "email.urgent.a": 256,
      "webhook.bulk.a": 256,
    });
  });

  it("takes nothing from a full lane and says so, while other lanes go on", () => {
    const room = new Map([
      ["email.bulk", 0],
      ["email.urgent", 5],
    ]);
    const plan = planTakes([q("a"), q("b"), q("a", "urgent")], room, 256, 0);
    expect(taken(plan)).toEqual({ "email.urgent.a": 5 });
    expect(plan.full).toBe(true);
  });

  it("hands out the remainder, and single rows when tenants outnumber the room, in turn", () => {
    const queues = [q("a"), q("b"), q("c")];
    const room = new Map([["email.bulk", 1]]);
    const winners = [0, 1, 2, 3, 4, 5].map((turn) => Object.keys(taken(planTakes(queues, room, 256, turn))));
    expect(winners).toEqual([
      ["email.bulk.a"],
      ["email.bulk.b"],
      ["email.bulk.c"],
      ["email.bulk.a"],
      ["email.bulk.b"],
      ["email.bulk.c"],
    ]);
    // Over three rounds each tenant got one row.
    const four = planTakes(queues, new Map([["email.bulk", 4]]), 256, 1);
    expect(Object.values(taken(four)).sort()).toEqual([1, 1, 2]);
  });

  it("never gives a lane more than a batch, whatever its room", () => {
    const plan = planTakes([q("a")], new Map([["email.bulk", 10_000]]), 256, 0);
    expect(taken(plan)).toEqual({ "email.bulk.a": 256 });
  });
});
