import { v7 as uuidv7 } from "uuid";
import { describe, expect, it } from "vitest";
import { RESPONSE_EXCERPT_BYTES, responseExcerpt } from "../../src/channels/webhook-sender.js";
import { uuidAt } from "../../src/usecases/webhook-operations.js";

describe("responseExcerpt", () => {
  it("keeps a short answer as it is, without NUL", () => {
    expect(responseExcerpt("ok")).toBe("ok");
    expect(responseExcerpt("a\u0000b")).toBe("ab");
  });

  it("cuts a long answer to 1 KiB at a character boundary", () => {
    const cut = responseExcerpt(`x${"€".repeat(1000)}`);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(RESPONSE_EXCERPT_BYTES);
    expect(Buffer.byteLength(cut)).toBeGreaterThan(RESPONSE_EXCERPT_BYTES - 3);
    expect(cut).toMatch(/^x€+$/);
  });
});

describe("uuidAt", () => {
  it("is a lower bound of the uuidv7 ids made from that millisecond on, and above earlier ones", () => {
    const ms = Date.UTC(2026, 11, 3, 12);
    const bound = uuidAt(ms);
    for (let i = 0; i < 100; i++) {
      expect(uuidv7({ msecs: ms }) >= bound).toBe(true);
      expect(uuidv7({ msecs: ms - 1 }) < bound).toBe(true);
    }
  });
});
