import { startTracing, type Tracing, tracingConfigured } from "./tracing.js";

/**
 * Imported first by the entry point, so tracing starts before the modules it
 * instruments (pg) are loaded. Reads only the standard OTEL_* variables, which
 * belong to the OpenTelemetry SDK rather than to Herald's config module.
 */
export const tracing: Tracing | null = tracingConfigured(process.env) ? startTracing() : null;
