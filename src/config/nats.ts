import type { EnvReader } from "./env.js";

/** NATS: JetStream for deliveries, core NATS for the live feed and broadcasts between processes. */
export interface NatsConfig {
  /** Server URL(s), comma-separated. */
  url: string;
  /** Prefix of every subject and stream name, so several deployments can share a NATS. */
  prefix: string;
}

export function readNats(env: EnvReader): NatsConfig {
  const prefix = env.str("NATS_SUBJECT_PREFIX", "herald") ?? "herald";
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) {
    env.problems.push(`NATS_SUBJECT_PREFIX must be letters, digits, "_" or "-", got "${prefix}"`);
  }
  return { url: env.url("NATS_URL", ["nats:", "tls:", "ws:", "wss:"], true) ?? "", prefix };
}
