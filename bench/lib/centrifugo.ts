import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import path from "node:path";
import { freePort } from "../../dev/free-port.js";
import { goInstall } from "../../dev/go-install.js";
import { manageProcess } from "../../dev/managed-process.js";
import { cachedTool, type Say } from "../../dev/tool-cache.js";
import type { CentrifugoFeedConfig } from "../load/centrifugo-feed.js";
import { keepRecentOutput } from "./child-output.js";
import { assertNotInterrupted, onCleanup } from "./cleanup.js";
import { waitUntilReady } from "./herald.js";
import { type ProcessGroups, residentKiB } from "./machine.js";
import type { Stack } from "./stack.js";

/**
 * Centrifugo, the open-source real-time server Herald's live feed is compared
 * with (scenarios 3 and 4). No registry ships it for this machine, so it is
 * compiled from the Go module proxy once into the tool cache (about 5 minutes
 * on 2 cores), with the .proto files of its uni gRPC stream and server API
 * next to it for the load processes.
 */
export const centrifugoModule = "github.com/centrifugal/centrifugo/v6@v6.9.1";
export const centrifugoName = `Centrifugo ${centrifugoModule.split("@")[1]}`;
const protoFiles = ["internal/unigrpc/unistream/unistream.proto", "internal/apiproto/api.proto"];

export async function ensureCentrifugo(say?: Say): Promise<{ bin: string; protoDir: string }> {
  const [module, version] = centrifugoModule.split("@") as [string, string];
  const bin = await cachedTool({
    name: "centrifugo",
    version,
    executable: "centrifugo",
    ...(say !== undefined && { say }),
    async install(dir, say) {
      say(`first run: compiling Centrifugo with go install (${centrifugoModule}), about 5 min on 2 cores`);
      await goInstall(dir, centrifugoModule);
      const modCache = execFileSync("go", ["env", "GOMODCACHE"]).toString().trim();
      const source = path.join(modCache, `${module}@${version}`);
      mkdirSync(path.join(dir, "proto"));
      for (const file of protoFiles)
        copyFileSync(path.join(source, file), path.join(dir, "proto", path.basename(file)));
    },
  });
  return { bin, protoDir: path.join(path.dirname(bin), "proto") };
}

/** The namespace of users' personal channels: `personal:#<user id>`. */
const personalNamespace = "personal";

/**
 * The whole config of a bench Centrifugo: everything on 127.0.0.1; client
 * connections authenticate with HS256 JWTs (`sub` = user id) and are
 * subscribed on connect to their user's personal channel, which keeps history
 * (100 messages, 5 minutes) and forces recovery, as Herald's feed resumes from
 * its log; the unidirectional gRPC transport; the gRPC server API with a key.
 * Everything else keeps its default (memory engine, WebSocket on the HTTP port).
 */
export function centrifugoConfig(settings: {
  httpPort: number;
  apiPort: number;
  uniGrpcPort: number;
  apiKey: string;
  tokenSecret: string;
}): Record<string, unknown> {
  const local = "127.0.0.1";
  return {
    log: { level: "warn" },
    usage_stats: { disabled: true },
    health: { enabled: true },
    http_server: { address: local, port: settings.httpPort },
    http_api: { disabled: true },
    grpc_api: { enabled: true, address: local, port: settings.apiPort, key: settings.apiKey },
    uni_grpc: { enabled: true, address: local, port: settings.uniGrpcPort },
    client: {
      token: { hmac_secret_key: settings.tokenSecret },
      subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: personalNamespace },
    },
    channel: {
      namespaces: [{ name: personalNamespace, history_size: 100, history_ttl: "300s", force_recovery: true }],
    },
  };
}

export interface BenchCentrifugo {
  pid: number;
  /** What a feed load process needs to reach it. */
  feed: CentrifugoFeedConfig;
  /** Resident memory now, in KiB. */
  rssKiB(): number;
  /** Centrifugo and the shared servers, for cpuWindow. */
  processGroups(): ProcessGroups;
  stop(): Promise<void>;
}

/** Starts Centrifugo on free ports with a fresh config in the stack's temp folder; waits for /health. */
export async function startCentrifugo(stack: Stack): Promise<BenchCentrifugo> {
  const { bin, protoDir } = await ensureCentrifugo();
  assertNotInterrupted("centrifugo");
  const settings = {
    httpPort: await freePort(),
    apiPort: await freePort(),
    uniGrpcPort: await freePort(),
    apiKey: randomBytes(24).toString("base64url"),
    tokenSecret: randomBytes(32).toString("base64url"),
  };
  const dir = mkdtempSync(path.join(stack.scratch, "centrifugo-"));
  const configFile = path.join(dir, "config.json");
  writeFileSync(configFile, JSON.stringify(centrifugoConfig(settings), null, 2));
  const child = spawn(bin, ["--config", configFile], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const output = keepRecentOutput(child);
  const server = manageProcess("centrifugo", child);
  const stop = onCleanup(`centrifugo (pid ${server.pid})`, () => server.stop("SIGTERM", 15_000));
  const exited = server.exited.then(() => child.exitCode);
  try {
    await waitUntilReady(`http://127.0.0.1:${settings.httpPort}/health`, exited, 30_000);
  } catch (error) {
    await stop();
    throw new Error(`Centrifugo did not become ready: ${(error as Error).message}\n${output().slice(-4000)}`);
  }
  return {
    pid: server.pid,
    feed: {
      kind: "centrifugo",
      uniGrpcPort: settings.uniGrpcPort,
      apiPort: settings.apiPort,
      apiKey: settings.apiKey,
      tokenSecret: settings.tokenSecret,
      personalChannelPrefix: `${personalNamespace}:#`,
      protoDir,
    },
    rssKiB: () => residentKiB(server.pid),
    processGroups: () => ({ centrifugo: () => [server.pid], ...stack.processGroups() }),
    stop,
  };
}
