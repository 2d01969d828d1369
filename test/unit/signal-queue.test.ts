import { describe, expect, it } from "vitest";
import { SignalQueue } from "../../src/feed/signal-queue.js";

describe("SignalQueue", () => {
  it("hands items over in order, waiting when empty", async () => {
    const q = new SignalQueue<number>(10);
    const signal = new AbortController().signal;
    const next = q.next(signal);
    q.push(1);
    q.push(2);
    expect(await next).toBe(1);
    expect(await q.next(signal)).toBe(2);
  });

  it("turns an overflow into one marker and keeps going", async () => {
    const q = new SignalQueue<number>(2);
    const signal = new AbortController().signal;
    for (const i of [1, 2, 3, 4]) q.push(i);
    expect(await q.next(signal)).toBe("overflowed");
    expect(await q.next(signal)).toBe(4);
  });

  it("returns null once aborted or closed, also while waiting", async () => {
    const abort = new AbortController();
    const q = new SignalQueue<number>(2);
    const waiting = q.next(abort.signal);
    abort.abort();
    expect(await waiting).toBeNull();
    const closed = new SignalQueue<number>(2);
    const pending = closed.next(new AbortController().signal);
    closed.close();
    expect(await pending).toBeNull();
    closed.push(1);
    expect(await closed.next(new AbortController().signal)).toBeNull();
  });
});
