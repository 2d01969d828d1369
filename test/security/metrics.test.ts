// Issue 9, item 11 (metrics): the metrics endpoint has no credentials, so it
// listens on loopback unless told otherwise, and a scrape costs the database
// nothing, however often anyone scrapes.
import { describe, expect, it } from "vitest";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { waitFor } from "../helpers/wait.js";

/** Fetches /metrics on `host`; null when nothing accepts the connection there. */
async function scrape(host: string, port: number): Promise<string | null> {
  try {
    const res = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return await res.text();
  } catch {
    return null;
  }
}

const value = (text: string | null, series: string) =>
  Number(
    text
      ?.split("\n")
      .find((l) => l.startsWith(`${series} `))
      ?.split(" ")
      .at(-1),
  );

/** Counts every statement and transaction Herald runs on its database. */
function countQueries(herald: TestHerald) {
  const db = herald.app.db;
  const counter = { count: 0 };
  for (const method of ["rows", "exec", "transaction"] as const) {
    const original = db[method].bind(db) as (...args: unknown[]) => unknown;
    (db as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      counter.count += 1;
      return original(...args);
    };
  }
  return counter;
}

describe("the metrics endpoint", () => {
  // 127.0.0.2 is loopback too, but a server bound to 127.0.0.1 does not answer
  // there: it stands for "any other interface of this machine".
  const elsewhere = "127.0.0.2";

  it("listens on 127.0.0.1 by default, even when the API listens everywhere", async () => {
    const herald = await startHerald({ env: { HOST: "0.0.0.0" } });
    try {
      const port = herald.app.metricsPort as number;
      expect(value(await scrape("127.0.0.1", port), "herald_feed_streams_open")).toBe(0);
      expect(await scrape(elsewhere, port)).toBeNull();
    } finally {
      await herald.close();
    }
  });

  it("listens where METRICS_HOST says", async () => {
    const herald = await startHerald({ env: { METRICS_HOST: "0.0.0.0" } });
    try {
      expect(await scrape(elsewhere, herald.app.metricsPort as number)).toContain("herald_feed_streams_open");
    } finally {
      await herald.close();
    }
  });

  it("reads gauges that need the database on a timer (METRICS_REFRESH_INTERVAL_MS)", async () => {
    const herald = await startHerald({
      // No NATS: what Send queues for webhooks stays in the outbox, for the backlog gauge to show.
      env: { NATS_URL: "nats://127.0.0.1:1", METRICS_REFRESH_INTERVAL_MS: "300" },
    });
    try {
      const key = await herald.apiKey(["admin"]);
      await serviceClient(WebhookService, herald.url, key).createWebhookEndpoint({ url: "http://127.0.0.1:9/hook" });
      await connectClient(herald.url, key).send({ userIds: ["m"], category: "c", title: "t", body: "b" });
      const port = herald.app.metricsPort as number;
      await waitFor(
        async () => value(await scrape("127.0.0.1", port), "herald_outbox_backlog") === 1,
        10_000,
        "the backlog gauge to show the queued delivery",
      );
    } finally {
      await herald.close();
    }
  });

  it("answers a burst of scrapes without a single database query", async () => {
    const herald = await startHerald({
      env: {
        METRICS_REFRESH_INTERVAL_MS: "3600000",
        // Quiet background: no relay round or heartbeat during the burst.
        OUTBOX_RELAY_INTERVAL_MS: "600000",
        FEED_HEARTBEAT_INTERVAL_MS: "300000",
        WORKFLOW_TIMER_INTERVAL_MS: "600000",
        EVENT_SEQUENCER_INTERVAL_MS: "60000",
        INBOX_TIMERS_INTERVAL_MS: "60000",
        WEBHOOK_EVENTS_INTERVAL_MS: "600000",
      },
    });
    try {
      const port = herald.app.metricsPort as number;
      const queries = countQueries(herald);
      // Start-up work (the first refresh, pruning rounds) is over once nothing runs for a while.
      let seen = -1;
      await waitFor(
        async () => {
          seen = queries.count;
          await new Promise((resolve) => setTimeout(resolve, 500));
          return queries.count === seen;
        },
        20_000,
        "a quiet database",
      );
      const texts: Array<string | null> = [];
      for (let round = 0; round < 30; round++) {
        texts.push(...(await Promise.all(Array.from({ length: 10 }, () => scrape("127.0.0.1", port)))));
      }
      expect(texts.every((t) => value(t, "herald_outbox_backlog") === 0)).toBe(true);
      expect(queries.count - seen).toBe(0);
    } finally {
      await herald.close();
    }
  });
});
