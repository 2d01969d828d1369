// A webhook receiver for scenario 9: an HTTP server on 127.0.0.1 that reads
// each request's body and answers 200 at once, counting requests and the
// connections they came on. Prints `ready` with its port; on a `stats` command
// prints `stats` with the counts so far. It runs until the orchestrator closes
// its stdin (or its hard limit).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { emit, loadConfig, nextCommand, runMain } from "./protocol.js";

export interface WebhookSinkConfig {
  /** Exit after this long whatever happens. */
  hardLimitMs: number;
}

/** What a `stats` command answers. */
export interface WebhookSinkStats {
  type: "stats";
  /** Requests answered so far. */
  requests: number;
  /** TCP connections opened so far (Herald keeps them alive). */
  connections: number;
}

const config = loadConfig<WebhookSinkConfig>();

runMain(async () => {
  let requests = 0;
  let connections = 0;
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume(); // the body means nothing here, but a kept-alive connection needs it read
    req.on("end", () => {
      requests++;
      res.writeHead(200, { "content-length": "0" }).end();
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  emit({ type: "ready", port: (server.address() as AddressInfo).port });
  for (;;) {
    await nextCommand("stats");
    emit({ type: "stats", requests, connections } satisfies WebhookSinkStats);
  }
}, config.hardLimitMs);
