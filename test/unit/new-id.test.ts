import { describe, expect, it } from "vitest";
import { newId } from "../../src/usecases/new-id.js";

describe("newId", () => {
  it("makes distinct UUIDv7s that sort in the order they were made, across pool refills", () => {
    const ids = Array.from({ length: 5000 }, () => newId()); // about 20 refills of the random pool
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // The first 48 bits are the time in milliseconds.
    const ms = Number.parseInt((ids.at(-1) as string).replace(/-/g, "").slice(0, 12), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
  });
});
