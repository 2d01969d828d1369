// A legitimate caller's experience: List with a user's own token and Send with
// an API key, each open-loop at `rate` per second on a connection of its own
// (made before any attack starts, as a real client's would be). Runs one
// measured phase per `measure` command and reports latency and failures.
import type * as grpc from "@grpc/grpc-js";
import { mintUserToken } from "../../src/auth/user-tokens.js";
import { summarize } from "../lib/stats.js";
import { bearer, closeAll, connect, encode, methods, unaryRaw } from "./grpc.js";
import { paced } from "./pace.js";
import { emit, loadConfig, nextCommand, progress, runMain } from "./protocol.js";

export interface LegitCallsConfig {
  port: number;
  userTokenSecret: string;
  apiKey: string;
  user: string;
  /** Calls per second of each kind. */
  rate: number;
  durationMs: number;
  /** A call that takes longer than this counts as failed. */
  deadlineMs: number;
}

const config = loadConfig<LegitCallsConfig>();

runMain(async () => {
  const [listClient, sendClient] = (await connect(config.port, 2)) as [grpc.Client, grpc.Client];
  const userMd = bearer(await mintUserToken(config.userTokenSecret, config.user, { ttlSeconds: 3600 }));
  const keyMd = bearer(config.apiKey);
  const listRequest = encode.list({});
  const sendRequest = encode.send({ userIds: [config.user], category: "bench.attack", title: "t", body: "b" });
  const call = (client: grpc.Client, method: string, request: Buffer, md: grpc.Metadata) =>
    new Promise<void>((resolve, reject) => {
      client.makeUnaryRequest(
        method,
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        md.clone(),
        { deadline: Date.now() + config.deadlineMs },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  // Warm both connections and the server's caches.
  for (let i = 0; i < 20; i++) {
    await unaryRaw(listClient, methods.list, listRequest, userMd);
    await unaryRaw(sendClient, methods.send, sendRequest, keyMd);
  }
  emit({ type: "ready" });
  const phases: Record<string, unknown>[] = [];
  for (;;) {
    const command = await nextCommand("measure");
    if (command.name === "done") break;
    const run = async (client: grpc.Client, method: string, request: Buffer, md: grpc.Metadata) => {
      const latencies: number[] = [];
      const failures: Record<string, number> = {};
      const result = await paced({
        rate: config.rate,
        durationMs: config.durationMs,
        maxInFlight: 256,
        op: async () => {
          const t0 = performance.now();
          try {
            await call(client, method, request, md);
            latencies.push(performance.now() - t0);
          } catch (error) {
            const code = String((error as grpc.ServiceError).code ?? "error");
            failures[code] = (failures[code] ?? 0) + 1;
          }
        },
      });
      return {
        answered: latencies.length,
        offered: result.started,
        skipped: result.skipped,
        failures,
        latencyMs: summarize(latencies),
      };
    };
    const [list, send] = await Promise.all([
      run(listClient, methods.list, listRequest, userMd),
      run(sendClient, methods.send, sendRequest, keyMd),
    ]);
    const phase = { name: command.name, list, send };
    progress(
      `${String(command.name)}: List p50 ${list.latencyMs.p50} p99 ${list.latencyMs.p99} ms (${list.answered}/${list.offered}), Send p50 ${send.latencyMs.p50} p99 ${send.latencyMs.p99} ms (${send.answered}/${send.offered})`,
    );
    emit({ type: "phase", ...phase });
    phases.push(phase);
  }
  closeAll([listClient, sendClient]);
  return { phases };
}, 20 * 60_000);
