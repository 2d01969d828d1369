/**
 * A bounded queue between a producer that must never block (the NATS callback)
 * and one async consumer (a Subscribe stream). When the consumer falls behind by
 * `capacity` items, the queue drops what it holds and hands the consumer one
 * `overflowed` marker instead: the stream then catches up from Postgres, which
 * holds every event anyway.
 */
export class SignalQueue<T> {
  private items: T[] = [];
  private overflowed = false;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.closed) return;
    if (this.items.length >= this.capacity) {
      this.items = [];
      this.overflowed = true;
    } else {
      this.items.push(item);
    }
    this.wake?.();
  }

  /** Ends the queue: next() returns null once drained of nothing further. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /**
   * The next item, `"overflowed"` after an overflow, or null once the queue is
   * closed or `signal` aborts.
   */
  async next(signal: AbortSignal): Promise<T | "overflowed" | null> {
    for (;;) {
      if (signal.aborted || this.closed) return null;
      if (this.overflowed) {
        this.overflowed = false;
        return "overflowed";
      }
      const item = this.items.shift();
      if (item !== undefined) return item;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener("abort", done);
          this.wake = null;
          resolve();
        };
        this.wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }
}
