import { connectClient } from "./clients.js";
import { waitFor } from "./wait.js";

/** A Subscribe stream kept open the way a client app keeps it: resumed from its last cursor whenever it ends. */
export interface FeedWatch {
  userId: string;
  /** Ids of the notifications `created` events carried, in arrival order, across resumes. */
  ids: string[];
  /** How many times the stream ended and was opened again. */
  readonly resumes: number;
  /** The Herald it subscribes to now. */
  where(): string;
  /** Resolves once the first stream has sent `synced`. */
  synced(timeoutMs?: number): Promise<void>;
  /** Resumes on this Herald from now on (after the current stream ends, or at once if it has). */
  moveTo(url: string): void;
  close(): void;
}

export function watchFeed(url: string, token: string, userId: string): FeedWatch {
  const ids: string[] = [];
  const abort = new AbortController();
  let current = url;
  let cursor = "";
  let synced = false;
  let resumes = 0;
  void (async () => {
    while (!abort.signal.aborted) {
      try {
        const stream = connectClient(current, token).subscribe({ cursor }, { signal: abort.signal });
        for await (const { event } of stream) {
          if (event === undefined) continue;
          if (event.kind.case === "created") ids.push(event.kind.value.notification?.id ?? "");
          if (event.kind.case === "synced") synced = true;
          if (event.cursor !== "") cursor = event.cursor;
        }
      } catch {
        // Ended with an error (its Herald or the network went away): resume below.
      }
      if (abort.signal.aborted) return;
      resumes += 1;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    userId,
    ids,
    get resumes() {
      return resumes;
    },
    where: () => current,
    synced: (timeoutMs = 30_000) => waitFor(() => synced, timeoutMs, `stream of ${userId} synced`).then(() => {}),
    moveTo(next) {
      current = next;
    },
    close: () => abort.abort(),
  };
}
