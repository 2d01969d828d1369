import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { NodeSDK } from "@opentelemetry/sdk-node";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";

export interface Tracing {
  /** Flushes and stops; spans still in the exporter's queue are sent first. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK: configured by the standard OTEL_* variables
 * (exporter, endpoint, protocol, sampler, service name), or by the span
 * processors given (tests use an in-memory exporter). It must run before pg is
 * loaded, since the pg instrumentation patches it as it is required; main.ts
 * imports this module first for that reason.
 */
export function startTracing(options: { spanProcessors?: SpanProcessor[] } = {}): Tracing {
  const sdk = new NodeSDK({
    serviceName: "herald",
    instrumentations: [new PgInstrumentation({ requireParentSpan: true })],
    ...(options.spanProcessors !== undefined && { spanProcessors: options.spanProcessors }),
    // Metrics are Prometheus (telemetry/metrics.ts); logs are pino on stdout.
    metricReaders: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/**
 * Tracing is off unless an exporter is configured: OTEL_TRACES_EXPORTER (other
 * than "none") or an OTLP endpoint. The SDK would otherwise default to OTLP on
 * localhost and log an export error every few seconds.
 */
export function tracingConfigured(env: Record<string, string | undefined>): boolean {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === "none" || env.OTEL_SDK_DISABLED === "true") return false;
  return Boolean(exporter || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}
