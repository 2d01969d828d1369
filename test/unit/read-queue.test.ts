import { describe, expect, it } from "vitest";
import { UnavailableError } from "../../src/domain/errors.js";
import { createReadQueue } from "../../src/feed/read-queue.js";
import { rejection } from "../helpers/wait.js";

/** A read that resolves when the test says so, counting how often it ran. */
function gate<T>(value: T) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const state = { runs: 0 };
  const start = async () => {
    state.runs += 1;
    await opened;
    return value;
  };
  return { start, open, state };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("the feed read queue", () => {
  it("runs at most `concurrency` reads at once, the others in order of arrival", async () => {
    const queue = createReadQueue({ concurrency: 2, maxWaiting: 100 });
    const reads = [1, 2, 3, 4].map((n) => gate(n));
    const order: number[] = [];
    const results = reads.map((r, i) =>
      queue.read(`k${i}`, r.start, { shed: false }).then((v) => {
        order.push(v);
        return v;
      }),
    );
    await tick();
    expect(reads.map((r) => r.state.runs)).toEqual([1, 1, 0, 0]);
    expect(queue.stats()).toEqual({ waiting: 2, running: 2 });
    reads[1]?.open();
    await tick();
    expect(reads.map((r) => r.state.runs)).toEqual([1, 1, 1, 0]);
    for (const r of reads) r.open();
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4]);
    expect(order[0]).toBe(2);
    expect(queue.stats()).toEqual({ waiting: 0, running: 0 });
  });

  it("runs identical waiting reads once, but never joins a read that has started", async () => {
    const queue = createReadQueue({ concurrency: 1, maxWaiting: 100 });
    const blocker = gate("blocker");
    const shared = gate("shared");
    const late = gate("late");
    const first = queue.read("blocker", blocker.start, { shed: false });
    const joined = [1, 2, 3].map(() => queue.read("same", shared.start, { shed: false }));
    await tick();
    expect(queue.stats()).toEqual({ waiting: 3, running: 1 });
    blocker.open();
    await first;
    await tick();
    // "same" is running now: a new caller gets a run of its own.
    const afterStart = queue.read("same", late.start, { shed: false });
    shared.open();
    expect(await Promise.all(joined)).toEqual(["shared", "shared", "shared"]);
    late.open();
    expect(await afterStart).toBe("late");
    expect(shared.state.runs).toBe(1);
    expect(late.state.runs).toBe(1);
  });

  it("sheds reads that may be shed once maxWaiting callers wait, never the others", async () => {
    const queue = createReadQueue({ concurrency: 1, maxWaiting: 2 });
    const blocker = gate("x");
    const running = queue.read("running", blocker.start, { shed: true });
    const waiting = [
      queue.read("a", async () => "a", { shed: true }),
      queue.read("b", async () => "b", { shed: true }),
    ];
    const refused = await rejection(queue.read("c", async () => "c", { shed: true }));
    expect(refused).toBeInstanceOf(UnavailableError);
    expect(refused.message).toMatch(/FEED_READ_QUEUE_MAX=2/);
    const admitted = queue.read("d", async () => "d", { shed: false });
    expect(queue.stats().waiting).toBe(3);
    blocker.open();
    expect(await Promise.all([running, ...waiting, admitted])).toEqual(["x", "a", "b", "d"]);
  });

  it("drops a waiting read whose callers all left, and frees their places", async () => {
    const queue = createReadQueue({ concurrency: 1, maxWaiting: 1 });
    const blocker = gate("x");
    const running = queue.read("running", blocker.start, { shed: false });
    const left = gate("never");
    const abort = new AbortController();
    const leaving = queue.read("left", left.start, { shed: true, signal: abort.signal });
    const stays = queue.read("left", left.start, { shed: false });
    expect(queue.stats().waiting).toBe(2);
    abort.abort(new Error("client left"));
    expect((await rejection(leaving)).message).toBe("client left");
    expect(queue.stats().waiting).toBe(1);
    const other = new AbortController();
    const second = queue.read("left", left.start, { shed: false, signal: other.signal });
    other.abort(new Error("gone too"));
    await rejection(second);
    blocker.open();
    left.open();
    expect(await stays).toBe("never");
    expect(left.state.runs).toBe(1);

    const nobody = gate("nobody");
    const hold = gate("hold");
    const held = queue.read("hold", hold.start, { shed: false });
    const alone = new AbortController();
    const lonely = queue.read("nobody", nobody.start, { shed: false, signal: alone.signal });
    alone.abort(new Error("bye"));
    await rejection(lonely);
    hold.open();
    await held;
    await tick();
    expect(nobody.state.runs).toBe(0);
    expect(queue.stats()).toEqual({ waiting: 0, running: 0 });
    await running;
  });

  it("hands a failed read's error to every caller and keeps going", async () => {
    const queue = createReadQueue({ concurrency: 1, maxWaiting: 10 });
    const failing = () => Promise.reject(new Error("pool timeout"));
    const both = [queue.read("f", failing, { shed: false }), queue.read("f", failing, { shed: false })];
    for (const p of both) expect((await rejection(p)).message).toBe("pool timeout");
    expect(await queue.read("ok", async () => 1, { shed: false })).toBe(1);
  });
});
