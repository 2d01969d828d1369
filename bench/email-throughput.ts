// Emails per second through the whole pipeline: Send (1,000 recipients a call,
// email only) -> Postgres outbox -> JetStream -> email worker -> SMTP. Herald runs
// as its own process; the SMTP sink is Mailpit, a separate process too.
//   npm run bench:email [-- --emails 4000 --concurrency 64 --pool 10]
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { Channel } from "../gen/ts/herald/v1/notification_pb.js";
import { NotificationService } from "../gen/ts/herald/v1/notification_service_pb.js";
import { generateApiKey } from "../src/auth/api-key-format.js";
import { ensureMailpit, startLocalMailpit } from "../src/devstack/local-mailpit.js";
import { ensureNatsServer, startLocalNats } from "../src/devstack/local-nats.js";
import { startLocalPostgres } from "../src/devstack/local-postgres.js";
import { spawnHerald } from "../test/helpers/process.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    emails: { type: "string", default: "4000" },
    concurrency: { type: "string", default: "64" },
    pool: { type: "string", default: "10" },
  },
});
const emails = Math.min(Math.max(Math.round(Number(values.emails) / 1000), 1), 20) * 1000;

const scratch = mkdtempSync(path.join(os.tmpdir(), "herald-bench-"));
chmodSync(scratch, 0o755);
const bin = path.join(root, ".herald/bin");
const postgres = await startLocalPostgres({ dataDir: path.join(scratch, "pg", "data") });
const nats = await startLocalNats({ bin: await ensureNatsServer(bin), storeDir: path.join(scratch, "nats") });
const mailpit = await startLocalMailpit({ bin: await ensureMailpit(bin), dataDir: path.join(scratch, "mailpit") });
const apiKey = generateApiKey().key;
const herald = await spawnHerald({
  DATABASE_URL: postgres.url(),
  NATS_URL: nats.url,
  SMTP_URL: mailpit.smtpUrl,
  PORT: "0",
  HOST: "127.0.0.1",
  HERALD_BOOTSTRAP_API_KEY: apiKey,
  HERALD_USER_TOKEN_SECRET: randomBytes(32).toString("base64url"),
  DELIVERY_CONCURRENCY: String(values.concurrency),
  EMAIL_POOL_SIZE: String(values.pool),
});
const db = new pg.Client({ connectionString: postgres.url() });
await db.connect();
try {
  await db.query(
    "INSERT INTO recipients (user_id, email) SELECT 'u' || i, 'u' || i || '@example.com' FROM generate_series(0, $1 - 1) i",
    [emails],
  );
  const client = createClient(
    NotificationService,
    createGrpcTransport({
      baseUrl: herald.url,
      interceptors: [
        (next) => (req) => {
          req.header.set("Authorization", `Bearer ${apiKey}`);
          return next(req);
        },
      ],
    }),
  );
  const started = performance.now();
  for (let batch = 0; batch < emails / 1000; batch++) {
    await client.send({
      userIds: Array.from({ length: 1000 }, (_, i) => `u${batch * 1000 + i}`),
      category: "bench.email",
      title: "Benchmark",
      body: "One of many emails, to measure how many Herald sends per second.",
      channels: [Channel.EMAIL],
    });
  }
  const accepted = performance.now();
  const deadline = Date.now() + 300_000;
  let sent = 0;
  while (Date.now() < deadline) {
    const { rows } = await db.query<{ sent: number; other: number }>(
      "SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status IN ('dead', 'suppressed'))::int AS other FROM deliveries WHERE channel = 'email'",
    );
    sent = rows[0]?.sent ?? 0;
    if (sent + (rows[0]?.other ?? 0) >= emails) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const finished = performance.now();
  const caught = (await (await fetch(`${mailpit.uiUrl}/api/v1/messages?limit=1`)).json()) as { total: number };
  const result = {
    benchmark: "email throughput",
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? "unknown CPU"}`,
    node: process.version,
    notes: `Send of 1,000 recipients per call, email only; Herald (DELIVERY_CONCURRENCY=${values.concurrency}, EMAIL_POOL_SIZE=${values.pool}), Postgres (fsync on), nats-server and Mailpit each in their own process.`,
    emails,
    sent,
    caughtByMailpit: caught.total,
    acceptSeconds: Number(((accepted - started) / 1000).toFixed(2)),
    totalSeconds: Number(((finished - started) / 1000).toFixed(2)),
    emailsPerSecond: Math.round(sent / ((finished - started) / 1000)),
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(path.join(root, "bench/results"), { recursive: true });
  const file = path.join(root, "bench/results", `email-throughput-${result.date.slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.error(`wrote ${path.relative(root, file)}`);
} finally {
  await db.end();
  await herald.stop();
  await mailpit.stop();
  await nats.stop();
  await postgres.stop();
  rmSync(scratch, { recursive: true, force: true });
}
