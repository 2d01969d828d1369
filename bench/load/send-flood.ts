// A Send flood from one API key: `concurrency` calls in flight (closed loop) over
// `connections` connections until `durationMs` passes or `stop` comes; counts
// what was accepted and what was refused (RESOURCE_EXHAUSTED when rate-limited).
import type * as grpc from "@grpc/grpc-js";
import { bearer, closeAll, connect, encode, methods } from "./grpc.js";
import { emit, loadConfig, nextCommand, runMain } from "./protocol.js";

export interface SendFloodConfig {
  port: number;
  apiKey: string;
  connections: number;
  concurrency: number;
  durationMs: number;
  recipients: number;
}

const config = loadConfig<SendFloodConfig>();

runMain(async () => {
  const clients = await connect(config.port, config.connections);
  const md = bearer(config.apiKey);
  const request = encode.send({
    userIds: Array.from({ length: config.recipients }, (_, i) => `flood-${i}`),
    category: "bench.flood",
    title: "flood",
    body: "b",
  });
  const outcomes: Record<string, number> = {};
  let stopping = false;
  let calls = 0;
  const worker = async () => {
    while (!stopping) {
      const client = clients[calls++ % clients.length] as grpc.Client;
      const code = await new Promise<string>((resolve) =>
        client.makeUnaryRequest(
          methods.send,
          (b: Buffer) => b,
          (b: Buffer) => b,
          request,
          md.clone(),
          { deadline: Date.now() + 30_000 },
          (err) => resolve(err ? String((err as grpc.ServiceError).code) : "0"),
        ),
      );
      outcomes[code] = (outcomes[code] ?? 0) + 1;
      // A refused call comes back at once; a real client would back off, a flood does not.
    }
  };
  emit({ type: "ready" });
  const started = performance.now();
  const workers = Array.from({ length: config.concurrency }, () => worker());
  await Promise.race([new Promise((r) => setTimeout(r, config.durationMs)), nextCommand("stop")]);
  stopping = true;
  await Promise.all(workers);
  closeAll(clients);
  const seconds = (performance.now() - started) / 1000;
  return { outcomes, callsPerSecond: calls / seconds, seconds };
}, 10 * 60_000);
