import { create, toBinary } from "@bufbuild/protobuf";
import { SubscribeRequestSchema } from "../../gen/ts/herald/v1/notification_service_pb.js";
import { generateApiKey, hashSecret } from "../../src/auth/api-key-format.js";
import { mintUserToken } from "../../src/auth/user-tokens.js";
import { defaultTenant } from "../../src/domain/tenant.js";
import { startHerald } from "../lib/herald.js";
import { type LoadMessage, type LoadProcess, startLoad } from "../lib/load.js";
import { cpuWindow, formatCpu } from "../lib/machine.js";
import { fmt, type ResultRow, type Scenario } from "../lib/scenario.js";
import type { Stack } from "../lib/stack.js";
import type { LatencySummary } from "../lib/stats.js";
import type { LegitCallsConfig } from "../load/legit-calls.js";
import type { RapidResetConfig } from "../load/rapid-reset.js";
import type { SendFloodConfig } from "../load/send-flood.js";

interface CallsSummary {
  answered: number;
  offered: number;
  skipped: number;
  failures: Record<string, number>;
  latencyMs: LatencySummary;
}
interface Phase extends LoadMessage {
  name: string;
  list: CallsSummary;
  send: CallsSummary;
}

/** What an attack is, for each measured phase after the idle one. */
type Attack = { name: string; start: (port: number) => Promise<LoadProcess> };

/**
 * 7. A legitimate user's List and a legitimate key's Send, idle and while
 * Herald is attacked: an HTTP/2 rapid-reset flood without credentials, the same
 * with a user token opening Subscribe streams, and a Send flood from another
 * API key. The acceptance bar for the anonymous flood: every List answered,
 * median within 2x of idle, p99 under 250 ms.
 */
export const underAttack: Scenario = {
  id: 7,
  title: "Under attack",
  async run(ctx) {
    // Herald as deployed: the rate limits the other scenarios turn off are on,
    // at their defaults (they are part of what is measured here).
    const herald = await startHerald(ctx.stack, {
      name: "attack",
      cpuProfDir: ctx.cpuProfDir("7-attack"),
      env: { RATE_LIMIT_API_KEY_PER_SECOND: "500", RATE_LIMIT_USER_PER_SECOND: "50" },
    });
    const durationMs = ctx.quick ? 4_000 : 15_000;
    const rate = 50;
    const phases: Array<Phase & { cpu: object; attacker?: Record<string, unknown> }> = [];
    try {
      const floodKey = await createKey(ctx.stack, herald.database);
      const userToken = await mintUserToken(herald.userTokenSecret, "attacker", { ttlSeconds: 3600 });
      const subscribeFrame = frame(toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, {})));
      const rapidReset = (authorization: string | null, path: string, body: string) => (port: number) =>
        started(
          startLoad("rapid-reset", {
            port,
            connections: 20,
            durationMs: durationMs + 30_000,
            path,
            authorization,
            bodyBase64: body,
          } satisfies RapidResetConfig),
        );
      const attacks: Attack[] = [
        { name: "rapid reset, no credentials", start: rapidReset(null, "/herald.v1.NotificationService/List", "") },
        {
          name: "rapid reset, user token, Subscribe",
          start: rapidReset(`Bearer ${userToken}`, "/herald.v1.NotificationService/Subscribe", subscribeFrame),
        },
        {
          name: "Send flood, another API key",
          start: (port) =>
            started(
              startLoad("send-flood", {
                port,
                apiKey: floodKey,
                connections: 4,
                concurrency: 64,
                durationMs: durationMs + 30_000,
                recipients: 1,
              } satisfies SendFloodConfig),
            ),
        },
      ];
      const legit = startLoad("legit-calls", {
        port: herald.port,
        userTokenSecret: herald.userTokenSecret,
        apiKey: herald.apiKey,
        user: "legit-user",
        rate,
        durationMs,
        deadlineMs: 10_000,
      } satisfies LegitCallsConfig);
      try {
        await legit.next("ready", 60_000);
        for (const attack of [null, ...attacks]) {
          const name = attack?.name ?? "idle";
          const attacker = attack === null ? null : await attack.start(herald.port);
          // Let the attack reach full speed before measuring.
          if (attacker !== null) await new Promise((r) => setTimeout(r, 2_000));
          const window = cpuWindow({
            ...herald.processGroups(),
            load: () => [legit.pid, ...(attacker === null ? [] : [attacker.pid])],
          });
          legit.command({ type: "measure", name });
          const phase = await legit.next<Phase>("phase", durationMs + 120_000);
          const cpu = window.stop();
          let attackerResult: Record<string, unknown> | undefined;
          if (attacker !== null) {
            attacker.command({ type: "stop" });
            attackerResult = await attacker.next("result", 60_000);
            await attacker.stop();
          }
          phases.push({ ...phase, cpu, ...(attackerResult && { attacker: attackerResult }) });
          ctx.log(
            `${name}: List p50 ${phase.list.latencyMs.p50} / p99 ${phase.list.latencyMs.p99} ms, ${phase.list.answered}/${phase.list.offered} answered; Send p50 ${phase.send.latencyMs.p50} / p99 ${phase.send.latencyMs.p99} ms; ${formatCpu(cpu)}`,
          );
          // Quiet period so one attack's aftermath does not spill into the next phase.
          await new Promise((r) => setTimeout(r, 3_000));
        }
        legit.command({ type: "measure", name: "done" });
        await legit.next("result", 30_000);
      } finally {
        await legit.stop();
      }
    } finally {
      await herald.stop();
    }
    const idle = phases[0] as Phase;
    const rows: ResultRow[] = phases.flatMap((p) => {
      const anonymous = p.name === "rapid reset, no credentials";
      const met = anonymous
        ? p.list.answered === p.list.offered &&
          p.list.latencyMs.p50 <= 2 * idle.list.latencyMs.p50 &&
          p.list.latencyMs.p99 < 250
        : null;
      return [
        {
          setting: `${p.name}: List`,
          throughput: { value: p.list.answered / (durationMs / 1000), unit: "List/s" },
          latencyMs: p.list.latencyMs,
          target: anonymous ? "all answered, p50 ≤ 2× idle, p99 < 250 ms" : "",
          met,
          ...(anonymous && {
            key: {
              label: "7. List p99 under rapid reset",
              value: p.list.latencyMs.p99,
              target: 250,
              unit: " ms",
              higherIsBetter: false,
            },
          }),
        },
        {
          setting: `${p.name}: Send`,
          throughput: { value: p.send.answered / (durationMs / 1000), unit: "Send/s" },
          latencyMs: p.send.latencyMs,
          target: "",
          met: null,
        },
      ];
    });
    return {
      rows,
      details: { rate, durationMs, phases },
      notes: [
        `A legitimate user's List (own token) and a legitimate key's Send, each open-loop at ${rate}/s on a gRPC connection of its own made before any attack, for ${durationMs / 1000} s per phase: idle, then during each attack (started 2 s before measuring, stopped after). Rapid reset: 20 HTTP/2 connections opening gRPC streams and resetting them at once, as fast as one process can, reconnecting whenever Herald closes a connection. Send flood: 64 calls in flight from another API key over 4 connections. Failures: ${phases.map((p) => `${p.name}: List ${JSON.stringify(p.list.failures)}, Send ${JSON.stringify(p.send.failures)}`).join("; ")}.`,
        `Attackers: ${phases
          .filter((p) => p.attacker !== undefined)
          .map((p) => `${p.name}: ${JSON.stringify(p.attacker)}`)
          .join("; ")}.`,
        `Idle List p50 ${fmt(idle.list.latencyMs.p50)} ms.`,
      ],
    };
  },
};

async function started(load: LoadProcess): Promise<LoadProcess> {
  await load.next("ready", 60_000);
  return load;
}

function frame(bytes: Uint8Array): string {
  const out = Buffer.alloc(5 + bytes.byteLength);
  out.writeUInt32BE(bytes.byteLength, 1);
  out.set(bytes, 5);
  return out.toString("base64");
}

/**
 * A second API key with the send scope, written into Herald's database as
 * `herald keys create` would, in the tenant of Herald's bootstrap key (the
 * default one), so that both keys' Sends reach the same users.
 */
async function createKey(stack: Stack, database: string): Promise<string> {
  const { key, id, secret } = generateApiKey();
  await stack.sql(
    database,
    "INSERT INTO api_keys (id, tenant_id, name, secret_hash, scopes) VALUES ($1, $2, $3, $4, $5)",
    [id, defaultTenant, "flood", hashSecret(secret), ["send"]],
  );
  return key;
}
