import { describe, expect, it } from "vitest";
import { orderedPool } from "../../src/usecases/ordered-pool.js";
import { pushable } from "../helpers/pushable.js";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("orderedPool", () => {
  it("yields in input order however the work finishes, with at most `window` at once", async () => {
    let running = 0;
    let most = 0;
    const work = async (n: number) => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < (n * 7) % 5; i++) await tick();
      running--;
      return n * 10;
    };
    const out: number[] = [];
    for await (const r of orderedPool(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      work,
    ))
      out.push(r);
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 10));
    expect(most).toBe(4);
  });

  it("reads no further while the window is full", async () => {
    const input = pushable<number>();
    let read = 0;
    const counted = (async function* () {
      for await (const n of input) {
        read++;
        yield n;
      }
    })();
    const never = new Promise<number>(() => {});
    const pool = orderedPool(counted, 2, () => never);
    for (let i = 0; i < 5; i++) input.push(i);
    const first = pool.next();
    for (let i = 0; i < 20; i++) await tick();
    expect(read).toBe(2);
    void first;
  });

  it("answers an item before the next one arrives", async () => {
    const input = pushable<number>();
    const pool = orderedPool(input, 8, async (n) => n + 1);
    input.push(1);
    expect(await pool.next()).toEqual({ value: 2, done: false });
    input.push(2);
    expect(await pool.next()).toEqual({ value: 3, done: false });
    input.end();
    expect(await pool.next()).toEqual({ value: undefined, done: true });
  });

  it("ends with the input's error", async () => {
    const failing = (async function* () {
      yield 1;
      throw new Error("input broke");
    })();
    const out: number[] = [];
    await expect(
      (async () => {
        for await (const r of orderedPool(failing, 2, async (n) => n)) out.push(r);
      })(),
    ).rejects.toThrow("input broke");
  });
});
