import pino from "pino";
import { describe, expect, it } from "vitest";
import { createTenantDirectory } from "../../src/auth/tenant-directory.js";
import { emptyTenantSettings, type TenantSettings } from "../../src/domain/tenant-settings.js";
import type { Broadcast } from "../../src/messaging/broadcast.js";

/** Two processes' broadcasts on one in-memory subject. */
function subject() {
  const handlers: Array<(text: string) => void> = [];
  const make = (): Broadcast => ({
    send: (text) => {
      for (const h of handlers) h(text);
    },
    listen: (h) => void handlers.push(h),
  });
  return make;
}

describe("tenant directory", () => {
  it("knows a tenant changed here at once, and one changed elsewhere once announced; holds settings", async () => {
    let rows: Array<{ id: string; settings: TenantSettings }> = [];
    const load = async () => rows;
    const bus = subject();
    const logger = pino({ level: "silent" });
    const here = createTenantDirectory({ load, refreshMs: 3_600_000, broadcast: bus(), logger });
    const there = createTenantDirectory({ load, refreshMs: 3_600_000, broadcast: bus(), logger });
    await Promise.all([here.ready, there.ready]);
    expect(here.exists("default")).toBe(true);
    expect(here.exists("acme")).toBe(false);

    const limits = { requestsPerSecond: 5, notificationsPerDay: 100, fanoutsInFlight: 1 };
    rows = [{ id: "acme", settings: { ...emptyTenantSettings, limits } }];
    await here.changed();
    expect(here.exists("acme")).toBe(true);
    expect(here.limits("acme")).toEqual(limits);
    // The announcement makes the other reload; wait for its query to settle.
    for (let i = 0; i < 50 && !there.exists("acme"); i++) await new Promise((r) => setTimeout(r, 10));
    expect(there.exists("acme")).toBe(true);
    expect(there.settings("acme")?.limits.requestsPerSecond).toBe(5);
    expect(there.limits("ghost")).toBeUndefined();

    rows = [];
    await there.changed();
    for (let i = 0; i < 50 && here.exists("acme"); i++) await new Promise((r) => setTimeout(r, 10));
    expect(here.exists("acme")).toBe(false);
    here.stop();
    there.stop();
  });
});
