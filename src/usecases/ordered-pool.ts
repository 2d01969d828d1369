/**
 * Runs `work` on the items of `input`, at most `window` at once, and yields
 * the results in input order. It reads the next item only while fewer than
 * `window` are being worked on, so a slow consumer or slow work slows the
 * reading (for a request stream: HTTP/2 flow control reaches the client). A
 * result is yielded as soon as it and every earlier one are ready, even while
 * the next item has not arrived: a client that waits for each answer before
 * sending the next item is answered.
 *
 * `work` must not reject (turn errors into results): an item's failure is its
 * own. An input that throws ends the pool with that error; items already
 * started still finish, unobserved.
 */
export async function* orderedPool<T, R>(
  input: AsyncIterable<T> | Iterable<T>,
  window: number,
  work: (item: T, index: number) => Promise<R>,
): AsyncGenerator<R> {
  const it = asyncIterator(input);
  const pending: Array<Promise<R>> = [];
  let next: Promise<IteratorResult<T>> | null = null;
  let done = false;
  let index = 0;
  const take = (r: IteratorResult<T>) => {
    next = null;
    if (r.done) done = true;
    else pending.push(work(r.value, index++));
  };
  try {
    for (;;) {
      if (!done && next === null && pending.length < window) next = it.next();
      const head = pending[0];
      if (head === undefined) {
        if (next === null) return;
        take(await next);
        continue;
      }
      if (next !== null) {
        const input = next;
        const arrived = await Promise.race([input.then((r) => ({ r })), head.then(() => null)]);
        if (arrived !== null) {
          take(arrived.r);
          continue;
        }
      }
      pending.shift();
      yield await head;
    }
  } finally {
    // Left early (the consumer stopped, or the input failed): release the input.
    // Not awaited: a pending read of a client stream resolves only when the client sends.
    if (!done) it.return?.()?.catch(() => {});
  }
}

function asyncIterator<T>(input: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in input) return input[Symbol.asyncIterator]();
  const sync = input[Symbol.iterator]();
  return { next: async () => sync.next() };
}
