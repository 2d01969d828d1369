import type { EnvReader } from "./env.js";

/** NATS: JetStream for deliveries, core NATS for the live feed and broadcasts between processes. */
export interface NatsConfig {
  /** Server URL(s), comma-separated. */
  url: string;
  /** Prefix of every subject and stream name, so several deployments can share a NATS. */
  prefix: string;
  /**
   * Copies JetStream keeps of each stream and consumer: 1 on a single server,
   * 3 (or 5) on a cluster, so a node can die without losing a delivery.
   */
  streamReplicas: number;
}

export function readNats(env: EnvReader): NatsConfig {
  const prefix = env.str("NATS_SUBJECT_PREFIX", "herald") ?? "herald";
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) {
    env.problems.push(`NATS_SUBJECT_PREFIX must be letters, digits, "_" or "-", got "${prefix}"`);
  }
  return {
    url: env.url("NATS_URL", ["nats:", "tls:", "ws:", "wss:"], true) ?? "",
    prefix,
    // JetStream allows 1 to 5 replicas.
    streamReplicas: env.int("NATS_STREAM_REPLICAS", 1, 1, 5),
  };
}
