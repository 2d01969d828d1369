/**
 * A bounded queue between a producer that must never block (the NATS callback)
 * and one async consumer (a Subscribe stream). When the consumer falls behind by
 * `capacity` items, the queue drops what it holds and hands the consumer one
 * `overflowed` marker instead: the stream then catches up from Postgres, which
 * holds every event anyway.
 *
 * It holds next to nothing while idle (no array until the first item), and
 * waiting takes no listener: the stream closes the queue when its call ends.
 */
export class SignalQueue<T> {
  private items: T[] | null = null;
  private overflowed = false;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.closed) return;
    if (this.items === null) {
      this.items = [item];
    } else if (this.items.length >= this.capacity) {
      this.items = null;
      this.overflowed = true;
    } else {
      this.items.push(item);
    }
    this.wakeUp();
  }

  /** Ends the queue: next() returns null from now on, also to a consumer waiting. */
  close(): void {
    this.closed = true;
    this.wakeUp();
  }

  /** The next item, `"overflowed"` after an overflow, or null once the queue is closed. */
  async next(): Promise<T | "overflowed" | null> {
    for (;;) {
      if (this.closed) return null;
      if (this.overflowed) {
        this.overflowed = false;
        return "overflowed";
      }
      if (this.items !== null) {
        const item = this.items.shift() as T;
        if (this.items.length === 0) this.items = null;
        return item;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private wakeUp() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
