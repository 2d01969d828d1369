import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { createOpenCalls } from "../../src/api/open-calls.js";

describe("open calls (shutdown without a shared signal)", () => {
  it("aborts every tracked call with the shutdown reason, and none it forgot", () => {
    const calls = createOpenCalls();
    const open = Array.from({ length: 1000 }, () => new AbortController());
    const forget = open.map((c) => calls.track(c));
    expect(calls.size).toBe(1000);
    const ended = open.slice(0, 10);
    for (const f of forget.slice(0, 10)) f();
    expect(calls.size).toBe(990);

    const reason = new Error("server is shutting down");
    calls.abortAll(reason);
    for (const c of open.slice(10)) expect(c.signal.reason).toBe(reason);
    for (const c of ended) expect(c.signal.aborted).toBe(false);
    expect(calls.size).toBe(0);
  });

  it("tracks a call without adding listeners to any signal, so the next call costs the same with thousands open", () => {
    const calls = createOpenCalls();
    const open = Array.from({ length: 2000 }, () => new AbortController());
    for (const c of open) calls.track(c);
    for (const c of open) expect(getEventListeners(c.signal, "abort")).toHaveLength(0);
  });

  it("aborts a call tracked after shutdown began at once, and keeps the first reason", () => {
    const calls = createOpenCalls();
    const first = new Error("first");
    calls.abortAll(first);
    calls.abortAll(new Error("second"));
    const late = new AbortController();
    calls.track(late)();
    expect(late.signal.reason).toBe(first);
    expect(calls.size).toBe(0);
  });

  it("leaves a call that already ended with its own reason", () => {
    const calls = createOpenCalls();
    const call = new AbortController();
    calls.track(call);
    const own = new Error("client left");
    call.abort(own);
    calls.abortAll(new Error("shutdown"));
    expect(call.signal.reason).toBe(own);
  });
});
