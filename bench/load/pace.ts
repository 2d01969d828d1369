/**
 * Open-loop pacing: starts `rate` operations per second for `durationMs`,
 * whatever the latency of earlier ones (so slow responses show up as latency,
 * not as a lower offered rate), but never more than `maxInFlight` at once;
 * starts skipped for that reason are counted.
 */
export async function paced(options: {
  rate: number;
  durationMs: number;
  maxInFlight: number;
  op: (index: number) => Promise<void>;
}): Promise<{ started: number; skipped: number; seconds: number }> {
  const { rate, durationMs, maxInFlight, op } = options;
  const total = Math.floor((rate * durationMs) / 1000);
  let started = 0;
  let skipped = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const t0 = performance.now();
  while (started + skipped < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
    while (started + skipped < due) {
      if (inFlight >= maxInFlight) {
        skipped++;
        continue;
      }
      inFlight++;
      const p: Promise<void> = op(started++).finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
    // A timer tick is about 1 ms: at 1,000/s that starts one or two per tick.
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.allSettled([...pending]);
  return { started, skipped, seconds: (performance.now() - t0) / 1000 };
}
