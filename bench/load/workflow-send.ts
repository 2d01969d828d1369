// Sends for scenario 8 (workflow timers), in one of two shapes:
// - "batch": `sends` Sends of `recipients` users each (disjoint blocks of
//   users), `concurrency` in flight, as fast as they go. Send i carries
//   data.due = dueBaseMs + i * dueStepMs (RFC 3339), which a workflow's delay
//   step (`data_path: due`) waits for, so the due times are fixed by the sender
//   and spread evenly, however fast the runs start.
// - "paced": open-loop, `rate` Sends a second of one recipient each (users
//   rotate over `userPool`), at most `maxInFlight` at once, for `durationMs`.
// Prints `measuring`, then one `result` with the achieved rate and per-call
// latency percentiles.
import { summarize } from "../lib/stats.js";
import { bearer, closeAll, connect, encode, methods, unaryRaw } from "./grpc.js";
import { paced } from "./pace.js";
import { emit, loadConfig, progress, runMain } from "./protocol.js";

export interface WorkflowSendConfig {
  port: number;
  apiKey: string;
  connections: number;
  category: string;
  userPrefix: string;
  mode: "batch" | "paced";
  // batch
  sends?: number;
  recipients?: number;
  concurrency?: number;
  /** First Send's data.due, epoch ms; 0 for a due time long past (the delay goes on at once). */
  dueBaseMs?: number;
  dueStepMs?: number;
  /** Offsets the user blocks, so a warm-up never names the measured users. */
  firstBlock?: number;
  // paced
  rate?: number;
  durationMs?: number;
  maxInFlight?: number;
  userPool?: number;
}

const config = loadConfig<WorkflowSendConfig>();

runMain(async () => {
  const clients = await connect(config.port, config.connections);
  const md = bearer(config.apiKey);
  const latencies: number[] = [];
  let errors = 0;
  let firstError = "";
  const timed = async (i: number, request: Buffer) => {
    const client = clients[i % clients.length] as (typeof clients)[number];
    const t0 = performance.now();
    try {
      await unaryRaw(client, methods.send, request, md);
      latencies.push(performance.now() - t0);
    } catch (error) {
      errors++;
      firstError ||= (error as Error).message;
    }
  };
  const body = "Order 12345 left our warehouse today and should arrive within two to three business days.";

  if (config.mode === "batch") {
    const sends = config.sends ?? 1;
    const recipients = config.recipients ?? 1;
    const first = config.firstBlock ?? 0;
    const requests = Array.from({ length: sends }, (_, s) =>
      encode.send({
        userIds: Array.from({ length: recipients }, (_, i) => `${config.userPrefix}${(first + s) * recipients + i}`),
        category: config.category,
        title: "Your order has shipped",
        body,
        data: {
          due: new Date(config.dueBaseMs ? config.dueBaseMs + s * (config.dueStepMs ?? 0) : 0).toISOString(),
        },
      }),
    );
    emit({ type: "measuring" });
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: config.concurrency ?? 1 }, async (_, w) => {
        while (next < sends) {
          const s = next++;
          await timed(w, requests[s] as Buffer);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    progress(
      `${latencies.length} Sends of ${recipients} in ${seconds.toFixed(1)} s${errors ? `, ${errors} errors (${firstError})` : ""}`,
    );
    closeAll(clients);
    return { calls: latencies.length, errors, firstError, seconds, latencyMs: summarize(latencies) };
  }

  const pool = config.userPool ?? 10_000;
  const requests = Array.from({ length: pool }, (_, u) =>
    encode.send({ userIds: [`${config.userPrefix}${u}`], category: config.category, title: "New comment", body }),
  );
  emit({ type: "measuring" });
  const r = await paced({
    rate: config.rate ?? 100,
    durationMs: config.durationMs ?? 1000,
    maxInFlight: config.maxInFlight ?? 256,
    op: (i) => timed(i, requests[i % pool] as Buffer),
  });
  progress(
    `${latencies.length} Sends in ${r.seconds.toFixed(1)} s = ${Math.round(latencies.length / r.seconds)}/s (${r.skipped} skipped${errors ? `, ${errors} errors (${firstError})` : ""})`,
  );
  closeAll(clients);
  return {
    calls: latencies.length,
    errors,
    firstError,
    skipped: r.skipped,
    seconds: r.seconds,
    callsPerSecond: latencies.length / r.seconds,
    latencyMs: summarize(latencies),
  };
}, 10 * 60_000);
