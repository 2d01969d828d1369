/**
 * Polls `check` every `intervalMs` until it returns a value other than
 * undefined/false, or fails after `timeoutMs`.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
  what = "condition",
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Reads a server stream into an array as it arrives; `next(n)` waits for the n-th item. */
export function collect<T>(stream: AsyncIterable<T>) {
  const items: T[] = [];
  let error: unknown;
  let ended = false;
  const done = (async () => {
    try {
      for await (const item of stream) items.push(item);
    } catch (e) {
      error = e;
    } finally {
      ended = true;
    }
  })();
  return {
    items,
    done,
    get error() {
      return error;
    },
    get ended() {
      return ended;
    },
    /** Waits until at least `count` items arrived. */
    async atLeast(count: number, timeoutMs = 5000): Promise<T[]> {
      await waitFor(
        () =>
          items.length >= count ||
          (ended ? Promise.reject(error ?? new Error(`stream ended after ${items.length} items`)) : false),
        timeoutMs,
        `${count} stream items`,
      );
      return items;
    },
  };
}

/** The error `promise` rejects with; fails the test if it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as Error;
}
