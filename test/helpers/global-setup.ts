import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { type LocalNats, startLocalNats } from "../../dev/local-nats.js";
import { type LocalPostgres, startLocalPostgres } from "../../dev/local-postgres.js";
import { ensureNatsServer } from "../../dev/nats-server-binary.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
    natsUrl: string;
    natsBin: string;
  }
}

const root = path.resolve(import.meta.dirname, "../..");
let postgres: LocalPostgres | undefined;
let nats: LocalNats | undefined;
let scratch: string | undefined;

/** Starts the real servers every test talks to, on loopback, in a scratch folder. */
export async function setup(project: TestProject): Promise<void> {
  // grpc-js tests load the .proto files, which import protovalidate's.
  execFileSync("bash", [path.join(root, "scripts/fetch-protos.sh")], { stdio: "inherit" });
  // The same cached binary `npm start` uses (dev/tool-cache.ts).
  const natsBin = await ensureNatsServer();
  scratch = mkdtempSync(path.join(os.tmpdir(), "herald-test-"));
  chmodSync(scratch, 0o755); // Postgres runs as the `postgres` user when tests run as root
  [postgres, nats] = await Promise.all([
    startLocalPostgres({ dataDir: path.join(scratch, "postgres", "data"), ephemeral: true }),
    startLocalNats({ bin: natsBin, storeDir: path.join(scratch, "nats") }),
  ]);
  project.provide("postgresUrl", postgres.url());
  project.provide("natsUrl", nats.url);
  project.provide("natsBin", natsBin);
}

export async function teardown(): Promise<void> {
  await Promise.all([nats?.stop(), postgres?.stop()]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
