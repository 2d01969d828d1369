/**
 * Runs many callers' writes (or reads) together: each caller's request joins
 * the next batch, one batch is written at a time (one statement, so one
 * commit for all of its members), and the requests that come in while it runs
 * make the batch after it. Under load a batch holds everything that arrived during the
 * previous one; alone, a request waits for nothing but its own write.
 *
 * A batch that fails is written again one member at a time, each in its own
 * commit, so one member Postgres refuses fails alone and the others still
 * get their result (a statement is atomic: the failed batch wrote nothing).
 */
export interface GroupCommitOptions<Req, Res> {
  /** Writes the batch in one statement and returns each member's result, in order. */
  write: (batch: readonly Req[]) => Promise<Res[]>;
  /** Most requests in one batch. */
  maxBatch: number;
  /**
   * What a request writes to (a row's id): two requests with the same key never
   * share a batch, the later waits for the next one, so a statement never
   * touches one row twice and the two are applied in the order they came.
   */
  key: (req: Req) => string;
  /** Told of every batch written, with its size (metrics and tests). */
  onBatch?: (size: number) => void;
}

export interface GroupCommit<Req, Res> {
  /** Resolves with this request's result once the batch that carried it is committed. */
  submit(req: Req): Promise<Res>;
}

interface Waiting<Req, Res> {
  req: Req;
  resolve: (res: Res) => void;
  reject: (error: unknown) => void;
}

export function createGroupCommit<Req, Res>(options: GroupCommitOptions<Req, Res>): GroupCommit<Req, Res> {
  let queue: Waiting<Req, Res>[] = [];
  let writing = false;

  const takeBatch = (): Waiting<Req, Res>[] => {
    const batch: Waiting<Req, Res>[] = [];
    const later: Waiting<Req, Res>[] = [];
    const keys = new Set<string>();
    for (const w of queue) {
      const key = options.key(w.req);
      const fits = batch.length < options.maxBatch && !keys.has(key);
      if (fits) keys.add(key);
      (fits ? batch : later).push(w);
    }
    queue = later;
    return batch;
  };

  const writeBatch = async (batch: Waiting<Req, Res>[]) => {
    options.onBatch?.(batch.length);
    try {
      const results = await options.write(batch.map((w) => w.req));
      for (const [i, w] of batch.entries()) w.resolve(results[i] as Res);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const w of batch) {
        try {
          const [result] = await options.write([w.req]);
          w.resolve(result as Res);
        } catch (memberError) {
          w.reject(memberError);
        }
      }
    }
  };

  const drain = async () => {
    writing = true;
    try {
      // Requests made in the same turn of the event loop join the first batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (queue.length > 0) await writeBatch(takeBatch());
    } finally {
      writing = false;
    }
  };

  return {
    submit(req) {
      return new Promise<Res>((resolve, reject) => {
        queue.push({ req, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}
