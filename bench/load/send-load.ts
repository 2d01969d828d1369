// Closed-loop Send: `concurrency` calls always in flight over `connections`
// HTTP/2 connections, first for a warm-up (not measured), then for a fixed time
// or number of calls. Prints one `result` with calls/s, notifications/s and
// per-call latency percentiles. Given several Herald processes (`ports`), it
// spreads the calls in flight evenly over them and counts each one's calls.
import { summarize } from "../lib/stats.js";
import { bearer, closeAll, connect, decode, encode, methods, unaryRaw } from "./grpc.js";
import { emit, loadConfig, progress, runMain } from "./protocol.js";

export interface SendLoadConfig {
  port: number;
  /**
   * Instead of `port`: several Herald processes of one deployment. Caller w of
   * the `concurrency` calls Herald `ports[w % ports.length]`.
   */
  ports?: number[];
  apiKey: string;
  concurrency: number;
  /** HTTP/2 connections to each Herald. */
  connections: number;
  /** Recipients per Send. */
  recipients: number;
  /** Users are `${userPrefix}${0..userPool-1}`; calls in flight together name different users. */
  userPool: number;
  userPrefix: string;
  /** herald.v1.Channel values. */
  channels: number[];
  category: string;
  warmupMs: number;
  durationMs: number;
  /** Stop after this many measured calls even if time is left. */
  maxCalls: number;
}

const config = loadConfig<SendLoadConfig>();

runMain(async () => {
  const ports = config.ports ?? [config.port];
  const clientsByPort = await Promise.all(ports.map((port) => connect(port, config.connections)));
  const md = bearer(config.apiKey);
  // Consecutive calls take consecutive blocks of users, so the calls in flight
  // together never wait for each other's feed-head locks.
  const blocks = Math.max(1, Math.floor(config.userPool / config.recipients));
  const requests = Array.from({ length: blocks }, (_, b) =>
    encode.send({
      userIds: Array.from({ length: config.recipients }, (_, i) => `${config.userPrefix}${b * config.recipients + i}`),
      category: config.category,
      title: "Your order has shipped",
      body: "Order 12345 left our warehouse today and should arrive within two to three business days.",
      channels: config.channels,
    }),
  );
  let next = 0;
  let checked = false;
  const call = async (w: number) => {
    const clients = clientsByPort[w % ports.length] as (typeof clientsByPort)[number];
    const client = clients[Math.floor(w / ports.length) % clients.length] as (typeof clients)[number];
    const response = await unaryRaw(client, methods.send, requests[next++ % blocks] as Buffer, md);
    if (!checked && response !== undefined) {
      // Check once that a Send does what the benchmark assumes.
      checked = true;
      const n = decode.send(response).notifications.length;
      if (n !== config.recipients) throw new Error(`Send returned ${n} notifications, expected ${config.recipients}`);
    }
  };

  const run = async (ms: number, maxCalls: number, record: boolean) => {
    const latencies: number[] = [];
    const callsByPort = ports.map(() => 0);
    let errors = 0;
    let firstError = "";
    let started = 0;
    const start = performance.now();
    const end = start + ms;
    let lastDone = start;
    const cpu0 = process.cpuUsage();
    const worker = async (w: number) => {
      while (performance.now() < end && started < maxCalls) {
        started++;
        const t0 = performance.now();
        try {
          await call(w);
          const t1 = performance.now();
          if (record) {
            latencies.push(t1 - t0);
            callsByPort[w % ports.length]++;
          }
          lastDone = t1;
        } catch (error) {
          if ((error as Error).message.startsWith("Send returned")) throw error;
          errors++;
          firstError ||= (error as Error).message;
          lastDone = performance.now();
          // A Herald that fails every call is broken, not slow: stop and say so.
          if (!checked && errors >= 3) throw new Error(`every Send failed: ${firstError}`);
        }
      }
    };
    await Promise.all(Array.from({ length: config.concurrency }, (_, w) => worker(w)));
    const cpu = process.cpuUsage(cpu0);
    const seconds = (lastDone - start) / 1000;
    return {
      latencies,
      callsByPort,
      errors,
      firstError,
      seconds,
      clientCpuPct: Math.round((cpu.user + cpu.system) / 1e4 / seconds),
    };
  };

  if (config.warmupMs > 0) await run(config.warmupMs, Number.MAX_SAFE_INTEGER, false);
  emit({ type: "measuring" });
  const m = await run(config.durationMs, config.maxCalls, true);
  const calls = m.latencies.length;
  progress(
    `c=${config.concurrency} x${config.recipients}: ${calls} calls in ${m.seconds.toFixed(1)} s, ${Math.round(calls / m.seconds)} calls/s${m.errors ? `, ${m.errors} errors (${m.firstError})` : ""}`,
  );
  for (const clients of clientsByPort) closeAll(clients);
  return {
    calls,
    errors: m.errors,
    firstError: m.firstError,
    seconds: m.seconds,
    callsPerSecond: calls / m.seconds,
    notificationsPerSecond: (calls * config.recipients) / m.seconds,
    latencyMs: summarize(m.latencies),
    // Measured calls per Herald, in the order of `ports`.
    callsByPort: m.callsByPort,
    clientCpuPct: m.clientCpuPct,
  };
}, 10 * 60_000);
