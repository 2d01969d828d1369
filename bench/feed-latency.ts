// Send-to-feed latency: how long after Send returns does the recipient's open
// Subscribe stream receive the notification? Herald runs as its own process on a
// fresh Postgres (fsync on) and nats-server; this process is only the client.
//   npm run bench:feed-latency [-- --count 200]
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { NotificationService } from "../gen/ts/herald/v1/notification_service_pb.js";
import { generateApiKey } from "../src/auth/api-key-format.js";
import { mintUserToken } from "../src/auth/user-tokens.js";
import { ensureNatsServer, startLocalNats } from "../src/devstack/local-nats.js";
import { startLocalPostgres } from "../src/devstack/local-postgres.js";
import { spawnHerald } from "../test/helpers/process.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { count: { type: "string", default: "200" } } });
const count = Math.min(Math.max(Number(values.count), 100), 5000);

const scratch = mkdtempSync(path.join(os.tmpdir(), "herald-bench-"));
chmodSync(scratch, 0o755);
const postgres = await startLocalPostgres({ dataDir: path.join(scratch, "pg", "data") });
const nats = await startLocalNats({
  bin: await ensureNatsServer(path.join(root, ".herald/bin")),
  storeDir: path.join(scratch, "nats"),
});
const apiKey = generateApiKey().key;
const secret = randomBytes(32).toString("base64url");
const herald = await spawnHerald({
  DATABASE_URL: postgres.url(),
  NATS_URL: nats.url,
  PORT: "0",
  HOST: "127.0.0.1",
  HERALD_BOOTSTRAP_API_KEY: apiKey,
  HERALD_USER_TOKEN_SECRET: secret,
});

const auth = (credential: string) => [
  (next: (req: { header: Headers }) => unknown) => (req: { header: Headers }) => {
    req.header.set("Authorization", `Bearer ${credential}`);
    return next(req);
  },
];
try {
  const sender = createClient(
    NotificationService,
    createGrpcTransport({ baseUrl: herald.url, interceptors: auth(apiKey) as never }),
  );
  const reader = createClient(
    NotificationService,
    createConnectTransport({
      baseUrl: herald.url,
      httpVersion: "1.1",
      interceptors: auth(await mintUserToken(secret, "bench-user")) as never,
    }),
  );
  const arrivals = new Map<string, number>();
  const abort = new AbortController();
  const stream = reader.subscribe({}, { signal: abort.signal });
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next(); // synced
  const reading = (async () => {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      const event = r.value.event;
      if (event?.kind.case === "created") arrivals.set(event.kind.value.notification?.id ?? "", performance.now());
    }
  })().catch(() => undefined);

  // Warm up connections and JIT, then measure one Send at a time.
  for (let i = 0; i < 20; i++)
    await sender.send({ userIds: ["bench-user"], category: "bench", title: "warm", body: "b" });
  const afterReturn: number[] = [];
  const afterStart: number[] = [];
  const deadline = Date.now() + 120_000;
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    const start = performance.now();
    const res = await sender.send({ userIds: ["bench-user"], category: "bench", title: `n${i}`, body: "b" });
    const returned = performance.now();
    const id = res.notifications[0]?.id as string;
    while (!arrivals.has(id) && performance.now() - returned < 5000) await new Promise((r) => setImmediate(r));
    const arrived = arrivals.get(id);
    if (arrived === undefined) throw new Error(`notification ${id} never reached the stream`);
    afterReturn.push(arrived - returned);
    afterStart.push(arrived - start);
  }
  abort.abort();
  await reading;

  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return Number((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN).toFixed(3));
  };
  const summary = (xs: number[]) => ({ p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99), max: pct(xs, 100) });
  const result = {
    benchmark: "send-to-feed latency",
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? "unknown CPU"}`,
    node: process.version,
    samples: afterReturn.length,
    notes:
      "One Herald process (gRPC Send from this process, Connect/HTTP1.1 Subscribe), Postgres with fsync on, nats-server 2.15. " +
      "ms from Send returning to the stream receiving the notification; negative means the event arrived before the Send response.",
    msAfterSendReturned: summary(afterReturn),
    msAfterSendStarted: summary(afterStart),
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(path.join(root, "bench/results"), { recursive: true });
  const file = path.join(root, "bench/results", `feed-latency-${result.date.slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.error(`wrote ${path.relative(root, file)}`);
} finally {
  await herald.stop();
  await nats.stop();
  await postgres.stop();
  rmSync(scratch, { recursive: true, force: true });
}
