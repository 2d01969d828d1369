import { describe, expect, it } from "vitest";
import { SignalQueue } from "../../src/feed/signal-queue.js";

describe("SignalQueue", () => {
  it("hands items over in order, waiting when empty", async () => {
    const q = new SignalQueue<number>(10);
    const next = q.next();
    q.push(1);
    q.push(2);
    expect(await next).toBe(1);
    expect(await q.next()).toBe(2);
    const later = q.next(); // empty again: waits for the next push
    q.push(3);
    expect(await later).toBe(3);
  });

  it("turns an overflow into one marker and keeps going", async () => {
    const q = new SignalQueue<number>(2);
    for (const i of [1, 2, 3, 4]) q.push(i);
    expect(await q.next()).toBe("overflowed");
    expect(await q.next()).toBe(4);
  });

  it("returns null once closed, also while waiting", async () => {
    const q = new SignalQueue<number>(2);
    const pending = q.next();
    q.close();
    expect(await pending).toBeNull();
    q.push(1);
    expect(await q.next()).toBeNull();
  });
});
