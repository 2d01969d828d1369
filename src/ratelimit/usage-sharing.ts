import { randomUUID } from "node:crypto";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { RateLimiter } from "./rate-limiter.js";

export interface UsageSharingOptions {
  limiter: RateLimiter;
  /** The NATS connection if it is up now; null otherwise (usage is then not shared). */
  connection: () => NatsConnection | null;
  /** Resolves with the first connection (subscriptions survive reconnects). */
  ready: Promise<NatsConnection>;
  /** Subject every process of the deployment publishes and reads usage on. */
  subject: string;
  intervalMs: number;
  logger: Logger;
}

/** What one process reports: its id (to skip its own reports) and tokens spent per bucket. */
interface UsageReport {
  p: string;
  u: Array<[string, number]>;
}

// Keeps each message far below NATS's default 1 MiB payload limit.
const entriesPerMessage = 2_000;

/**
 * Shares rate-limit spending between the Herald processes of a deployment, so a
 * caller's limit holds across them without a database write per call: every
 * `intervalMs` each process publishes, on core NATS, what each of its buckets
 * spent since its last report, and takes what the others report out of its own
 * buckets. A process learns of the others' spending one interval (plus transit)
 * late: that lag bounds the over-admission (README "Security"). Without NATS,
 * each process limits alone.
 */
export function shareUsage(options: UsageSharingOptions): { stop(): void } {
  const me = randomUUID();
  let stopped = false;

  const publish = () => {
    const usage = options.limiter.drainUsage();
    const nc = options.connection();
    // Spending not reported while NATS is away is dropped: it is old news by the time it is back.
    if (nc === null || usage.size === 0) return;
    const entries = [...usage];
    for (let i = 0; i < entries.length; i += entriesPerMessage) {
      const report: UsageReport = { p: me, u: entries.slice(i, i + entriesPerMessage) };
      nc.publish(options.subject, JSON.stringify(report));
    }
  };
  const timer = setInterval(publish, options.intervalMs);
  timer.unref();

  void options.ready.then((nc) => {
    if (stopped) return;
    nc.subscribe(options.subject, {
      callback: (error, msg) => {
        if (error !== null || stopped) return;
        try {
          const report = msg.json<UsageReport>();
          if (report.p === me || !Array.isArray(report.u)) return;
          for (const [key, amount] of report.u) {
            if (typeof key === "string" && typeof amount === "number") options.limiter.absorb(key, amount);
          }
        } catch (err) {
          options.logger.warn({ err }, "malformed rate-limit usage report");
        }
      },
    });
  });

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
