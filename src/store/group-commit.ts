/**
 * Runs many callers' writes (or reads) together: each caller's request joins
 * the next batch, at most `maxInFlight` batches are written at once (one
 * statement or transaction each, so one commit for all of a batch's members),
 * and the requests that come in while they run make the batches after them.
 * There is no timer: under load a batch holds everything that arrived while
 * the slots were busy; alone, a request waits for nothing but its own write.
 * Send (send-batcher.ts) and the delivery workers' leases and results
 * (attempt-journal.ts) both write through it.
 *
 * A batch that fails is written again one member at a time, each in its own
 * commit, so one member Postgres refuses fails alone and the others still
 * get their result (a statement is atomic: the failed batch wrote nothing).
 */
export interface GroupCommitOptions<Req, Res> {
  /** Writes the batch (one statement or transaction) and returns each member's result, in order. */
  write: (batch: readonly Req[]) => Promise<Res[]>;
  /** Most requests in one batch. */
  maxBatch: number;
  /**
   * What a request writes to (rows, a user's feed head, an idempotency key):
   * two requests sharing a key never share a batch; the later one, and every
   * request after it with one of its keys, waits for a following batch, so a
   * statement never touches one row twice and requests apply in the order they came.
   */
  keys: (req: Req) => readonly string[];
  /** Batches written at once, each on a connection of its own. Default 1. */
  maxInFlight?: number;
  /** A request's size (rows it writes); default 1. */
  weight?: (req: Req) => number;
  /** Most weight in one batch; a request at least this heavy is written alone, at once. Default: no limit. */
  maxWeight?: number;
  /** Errors that fail every member alike (Postgres out of reach), where writing each alone would only fail again. */
  failsAll?: (error: unknown) => boolean;
  /**
   * Waits one turn of the event loop before writing into an idle slot, so
   * requests made in the same turn share the first batch. Off: an idle slot
   * writes the first request at once.
   */
  gatherTurn?: boolean;
  /** Told of every batch written, with its size (metrics and tests). */
  onBatch?: (size: number) => void;
}

export interface GroupCommit<Req, Res> {
  /** Resolves with this request's result once the batch that carried it is committed. */
  submit(req: Req): Promise<Res>;
}

interface Waiting<Req, Res> {
  req: Req;
  weight: number;
  resolve: (res: Res) => void;
  reject: (error: unknown) => void;
}

export function createGroupCommit<Req, Res>(options: GroupCommitOptions<Req, Res>): GroupCommit<Req, Res> {
  const maxInFlight = options.maxInFlight ?? 1;
  const maxWeight = options.maxWeight ?? Number.POSITIVE_INFINITY;
  let queue: Waiting<Req, Res>[] = [];
  let inFlight = 0;
  let gathering = false;

  /** The next batch: queued requests in order, skipping those whose keys are taken, up to the caps. */
  const take = (): Waiting<Req, Res>[] => {
    const batch: Waiting<Req, Res>[] = [];
    const later: Waiting<Req, Res>[] = [];
    const taken = new Set<string>();
    let weight = 0;
    let full = false;
    for (const w of queue) {
      const keys = options.keys(w.req);
      const clash = keys.some((k) => taken.has(k));
      // A skipped request's keys stay taken too: requests on one key keep their order.
      for (const k of keys) taken.add(k);
      full ||= batch.length >= options.maxBatch || (batch.length > 0 && weight + w.weight > maxWeight);
      if (clash || full) later.push(w);
      else {
        batch.push(w);
        weight += w.weight;
      }
    }
    queue = later;
    return batch;
  };

  const writeAlone = async (w: Waiting<Req, Res>) => {
    options.onBatch?.(1);
    try {
      const [result] = await options.write([w.req]);
      w.resolve(result as Res);
    } catch (error) {
      w.reject(error);
    }
  };

  const run = async (batch: Waiting<Req, Res>[]) => {
    if (batch.length === 1) return writeAlone(batch[0] as Waiting<Req, Res>);
    options.onBatch?.(batch.length);
    let results: Res[];
    try {
      results = await options.write(batch.map((w) => w.req));
    } catch (error) {
      if (options.failsAll?.(error)) for (const w of batch) w.reject(error);
      else await Promise.all(batch.map(writeAlone));
      return;
    }
    for (const [i, w] of batch.entries()) w.resolve(results[i] as Res);
  };

  const pump = () => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = take();
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return {
    submit(req) {
      return new Promise<Res>((resolve, reject) => {
        const w = { req, weight: options.weight?.(req) ?? 1, resolve, reject };
        // A request that fills a batch by itself gains nothing from waiting for a slot.
        if (w.weight >= maxWeight) {
          void writeAlone(w);
          return;
        }
        queue.push(w);
        if (!options.gatherTurn || inFlight >= maxInFlight) pump();
        else if (!gathering) {
          gathering = true;
          setImmediate(() => {
            gathering = false;
            pump();
          });
        }
      });
    },
  };
}
