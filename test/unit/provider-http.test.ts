import { describe, expect, it } from "vitest";
import { describeFailure, parseJson, retryAfterMs } from "../../src/channels/provider-http.js";

describe("retryAfterMs", () => {
  const now = Date.parse("2026-11-24T12:00:00Z");
  it("reads delay-seconds", () => {
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs(" 5 ", now)).toBe(5_000);
  });
  it("reads an HTTP-date, never negative", () => {
    expect(retryAfterMs("Tue, 24 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Tue, 24 Nov 2026 11:00:00 GMT", now)).toBe(0);
  });
  it("is undefined when absent or unreadable", () => {
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs("-5", now)).toBeUndefined();
  });
});

describe("describeFailure and parseJson", () => {
  it("names timeouts, aborts and socket errors instead of fetch's generic message", () => {
    expect(describeFailure(Object.assign(new Error("x"), { name: "TimeoutError" }), 500)).toBe(
      "no answer within 500 ms",
    );
    expect(describeFailure(Object.assign(new Error("x"), { name: "AbortError" }), 500)).toBe("aborted by the caller");
    expect(describeFailure(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }), 500)).toBe(
      "ECONNREFUSED",
    );
  });
  it("parses JSON and gives undefined for anything else", () => {
    expect(parseJson('{"sid":"SM1"}')).toEqual({ sid: "SM1" });
    expect(parseJson("<html>bad gateway</html>")).toBeUndefined();
  });
});
