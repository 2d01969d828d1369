// List under a bounded, open-loop load: `rate` calls per second from random
// users' own tokens, for each kind of page in turn (first page, a deeper page
// reached through page_token, first page of unread only). Each phase starts
// with `measuring` and ends with `phase`.
import type * as grpc from "@grpc/grpc-js";
import { mintUserToken } from "../../src/auth/user-tokens.js";
import { summarize } from "../lib/stats.js";
import { bearer, closeAll, connect, decode, encode, methods, unaryRaw } from "./grpc.js";
import { paced } from "./pace.js";
import { emit, loadConfig, progress, runMain } from "./protocol.js";

export interface ListLoadConfig {
  port: number;
  userTokenSecret: string;
  users: number;
  userPrefix: string;
  /** What every inbox holds, to check the answers. */
  perUser: number;
  unreadPerUser: number;
  /** The deeper page to measure (1 is the first). */
  deepPage: number;
  /** Users whose way to the deeper page is walked before measuring. */
  walkUsers: number;
  rate: number;
  warmupMs: number;
  durationMs: number;
  maxInFlight: number;
  connections: number;
}

const config = loadConfig<ListLoadConfig>();

runMain(async () => {
  const clients = await connect(config.port, config.connections);
  const credentials = new Map<number, grpc.Metadata>();
  const credential = async (user: number) => {
    let md = credentials.get(user);
    if (md === undefined) {
      md = bearer(await mintUserToken(config.userTokenSecret, `${config.userPrefix}${user}`, { ttlSeconds: 3600 }));
      credentials.set(user, md);
    }
    return md;
  };
  let calls = 0;
  const list = async (user: number, request: Buffer) =>
    unaryRaw(clients[calls++ % clients.length] as grpc.Client, methods.list, request, await credential(user));
  const randomUser = () => Math.floor(Math.random() * config.users);

  // Walk some users' inboxes page by page up to the deeper page, checking what List says.
  const firstPage = encode.list({});
  const deep: Array<{ user: number; request: Buffer }> = [];
  for (let i = 0; i < config.walkUsers; i++) {
    const user = randomUser();
    let page = decode.list(await list(user, firstPage));
    if (page.unreadCount !== config.unreadPerUser || page.notifications.length !== 20) {
      throw new Error(`user ${user}: ${page.notifications.length} notifications, unread ${page.unreadCount}`);
    }
    for (let p = 2; p < config.deepPage; p++) {
      page = decode.list(await list(user, encode.list({ pageToken: page.nextPageToken })));
    }
    deep.push({ user, request: encode.list({ pageToken: page.nextPageToken }) });
  }
  progress(`walked ${config.walkUsers} inboxes to page ${config.deepPage}`);

  const unreadOnly = encode.list({ unreadOnly: true });
  const phases: Array<{ name: string; pick: () => { user: number; request: Buffer } }> = [
    { name: "first page", pick: () => ({ user: randomUser(), request: firstPage }) },
    {
      name: `page ${config.deepPage} via page_token`,
      pick: () => deep[Math.floor(Math.random() * deep.length)] as { user: number; request: Buffer },
    },
    { name: "unread only, first page", pick: () => ({ user: randomUser(), request: unreadOnly }) },
  ];
  const results: Record<string, unknown>[] = [];
  for (const phase of phases) {
    const latencies: number[] = [];
    let errors = 0;
    let firstError = "";
    const op = (record: boolean) => async () => {
      const { user, request } = phase.pick();
      const md = await credential(user);
      const t0 = performance.now();
      try {
        await unaryRaw(clients[calls++ % clients.length] as grpc.Client, methods.list, request, md);
        if (record) latencies.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ||= (error as Error).message;
      }
    };
    const base = { rate: config.rate, maxInFlight: config.maxInFlight };
    await paced({ ...base, durationMs: config.warmupMs, op: op(false) });
    emit({ type: "measuring" });
    const run = await paced({ ...base, durationMs: config.durationMs, op: op(true) });
    const result = {
      name: phase.name,
      calls: latencies.length,
      callsPerSecond: latencies.length / run.seconds,
      skipped: run.skipped,
      errors,
      firstError,
      latencyMs: summarize(latencies),
    };
    progress(`${phase.name}: ${latencies.length} calls, p99 ${result.latencyMs.p99} ms, ${errors} errors`);
    emit({ type: "phase", ...result });
    results.push(result);
  }
  closeAll(clients);
  return { phases: results };
}, 6 * 60_000);
