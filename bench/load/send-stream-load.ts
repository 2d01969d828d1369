// SendStream: `streams` bidi streams over `connections` HTTP/2 connections,
// each writing its share of `total` single-recipient Sends as fast as HTTP/2
// flow control lets it (write() back-pressure), and reading every answer.
// Prints one `result`: items/s over the whole run, answers that were errors,
// and the time from writing an item to reading its answer.
import { summarize } from "../lib/stats.js";
import { bearer, bidiRaw, closeAll, connect, decode, encode, methods } from "./grpc.js";
import { emit, loadConfig, progress, runMain } from "./protocol.js";

export interface SendStreamLoadConfig {
  port: number;
  apiKey: string;
  streams: number;
  connections: number;
  /** Items in all, split evenly over the streams. */
  total: number;
  userPool: number;
  userPrefix: string;
  /** herald.v1.Channel values. */
  channels: number[];
  category: string;
}

const config = loadConfig<SendStreamLoadConfig>();

runMain(async () => {
  const clients = await connect(config.port, config.connections);
  const md = bearer(config.apiKey);
  const requests = Array.from({ length: Math.min(config.userPool, config.total) }, (_, u) =>
    encode.sendStream({
      send: {
        userIds: [`${config.userPrefix}${u}`],
        category: config.category,
        title: "Your order has shipped",
        body: "Order 12345 left our warehouse today and should arrive within two to three business days.",
        channels: config.channels,
      },
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  let firstError = "";
  const perStream = Math.ceil(config.total / config.streams);

  const runStream = (s: number) =>
    new Promise<void>((resolve, reject) => {
      const call = bidiRaw(clients[s % clients.length] as (typeof clients)[number], methods.sendStream, md);
      const writtenAt: number[] = [];
      let answered = 0;
      call.on("data", (bytes: Buffer) => {
        const answer = decode.sendStream(bytes);
        const i = Number(answer.index);
        latencies.push(performance.now() - (writtenAt[i] ?? 0));
        if (answer.result?.outcome.case !== "sent") {
          errors++;
          firstError ||= JSON.stringify(answer.result?.outcome.value);
        }
        answered++;
      });
      call.on("error", reject);
      call.on("end", () =>
        answered === perStream ? resolve() : reject(new Error(`${answered} of ${perStream} answered`)),
      );
      let i = 0;
      const write = () => {
        while (i < perStream) {
          writtenAt[i] = performance.now();
          const more = call.write(requests[(s * perStream + i) % requests.length]);
          i++;
          if (!more) return void call.once("drain", write);
        }
        call.end();
      };
      write();
    });

  emit({ type: "measuring" });
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: config.streams }, (_, s) => runStream(s)));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const items = perStream * config.streams;
  progress(
    `${config.streams} streams: ${items} items in ${seconds.toFixed(1)} s, ${Math.round(items / seconds)}/s, ${errors} errors`,
  );
  closeAll(clients);
  return {
    items,
    errors,
    firstError,
    seconds,
    notificationsPerSecond: items / seconds,
    latencyMs: summarize(latencies),
    clientCpuPct: Math.round((cpu.user + cpu.system) / 1e4 / seconds),
  };
}, 20 * 60_000);
