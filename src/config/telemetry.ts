import { isIP } from "node:net";
import type { EnvReader } from "./env.js";

/** Logs and metrics (tracing reads the OpenTelemetry SDK's own OTEL_* variables). */
export interface TelemetryConfig {
  logLevel: string;
  metricsEnabled: boolean;
  metricsPort: number;
  /** Interface of the credential-less metrics endpoint; loopback unless exposed on purpose. */
  metricsHost: string;
  /** How often gauges that need Postgres or NATS are read; scrapes serve the last values. */
  metricsRefreshIntervalMs: number;
}

const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function readTelemetry(env: EnvReader): TelemetryConfig {
  const logLevel = env.str("LOG_LEVEL", "info") ?? "info";
  if (!levels.includes(logLevel)) {
    env.problems.push(`LOG_LEVEL must be one of ${levels.join(", ")}; got "${logLevel}"`);
  }
  const metricsHost = env.str("METRICS_HOST", "127.0.0.1") ?? "127.0.0.1";
  if (!isIP(metricsHost) && !/^[A-Za-z0-9.-]+$/.test(metricsHost)) {
    env.problems.push(`METRICS_HOST must be an IP address or a host name, got "${metricsHost}"`);
  }
  return {
    logLevel,
    metricsEnabled: env.bool("METRICS_ENABLED", true),
    metricsPort: env.int("METRICS_PORT", 9464, 0, 65535),
    metricsHost,
    metricsRefreshIntervalMs: env.int("METRICS_REFRESH_INTERVAL_MS", 5_000, 100, 3_600_000),
  };
}
