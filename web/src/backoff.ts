/** How long to wait between reconnection attempts. */
export interface BackoffOptions {
  /** Wait before the first retry, in ms. */
  initialMs: number;
  /** Longest wait, in ms. */
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/**
 * The wait before retry number `attempt` (0-based): doubling from `initialMs`
 * up to `maxMs`, with "equal jitter" (half fixed, half random) so that many
 * tabs dropped by one server restart do not come back in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = defaultBackoff): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Resolves after `ms`, or at once when `wake` aborts (the browser came back online, say). */
export function sleep(ms: number, wake: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (wake.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      wake.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    wake.addEventListener("abort", done, { once: true });
  });
}
