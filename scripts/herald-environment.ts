// What a deployment file (docker-compose.yml, the Helm chart's rendered
// Deployment) may put in a Herald container's environment: config.ts must
// accept it and read every variable in it, apart from the OpenTelemetry SDK's
// standard OTEL_* variables. Shared by check-compose.ts and check-helm.ts.
import { type Config, loadConfig } from "../src/config.js";

/** The OpenTelemetry SDK's standard variables, which the SDK reads rather than config.ts. */
export const otelStandard = new RegExp(
  `^OTEL_(${[
    "SDK_DISABLED|SERVICE_NAME|RESOURCE_ATTRIBUTES|LOG_LEVEL|PROPAGATORS|TRACES_SAMPLER|TRACES_SAMPLER_ARG|CONFIG_FILE",
    "(TRACES|METRICS|LOGS)_EXPORTER",
    "(BSP|BLRP)_(SCHEDULE_DELAY|EXPORT_TIMEOUT|MAX_QUEUE_SIZE|MAX_EXPORT_BATCH_SIZE)",
    "ATTRIBUTE_VALUE_LENGTH_LIMIT|ATTRIBUTE_COUNT_LIMIT|(EVENT|LINK)_ATTRIBUTE_COUNT_LIMIT",
    "SPAN_(ATTRIBUTE_VALUE_LENGTH_LIMIT|ATTRIBUTE_COUNT_LIMIT|EVENT_COUNT_LIMIT|LINK_COUNT_LIMIT)",
    "LOGRECORD_ATTRIBUTE_(VALUE_LENGTH|COUNT)_LIMIT",
    "METRIC_EXPORT_(INTERVAL|TIMEOUT)|METRICS_EXEMPLAR_FILTER",
    "EXPORTER_OTLP_((TRACES|METRICS|LOGS)_)?(ENDPOINT|PROTOCOL|HEADERS|TIMEOUT|COMPRESSION|INSECURE|CERTIFICATE|CLIENT_KEY|CLIENT_CERTIFICATE)",
    "EXPORTER_OTLP_METRICS_(TEMPORALITY_PREFERENCE|DEFAULT_HISTOGRAM_AGGREGATION)",
    "EXPORTER_ZIPKIN_(ENDPOINT|TIMEOUT)|EXPORTER_PROMETHEUS_(HOST|PORT)",
    "NODE_(RESOURCE_DETECTORS|ENABLED_INSTRUMENTATIONS|DISABLED_INSTRUMENTATIONS)|SEMCONV_STABILITY_OPT_IN",
  ].join("|")})$`,
);

/**
 * Loads the environment with config.ts, noting which variables it reads.
 * `problems` says what is wrong: config.ts refusing it, variables it does not
 * read, OTEL_* variables that are not standard. `config` is what it loaded.
 */
export function checkHeraldEnvironment(env: Record<string, string>): { problems: string[]; config?: Config } {
  const problems: string[] = [];
  const read = new Set<string>();
  let config: Config | undefined;
  try {
    config = loadConfig(
      new Proxy(env, {
        get(target, key: string) {
          read.add(key);
          return target[key];
        },
      }),
    );
  } catch (error) {
    problems.push(`config.ts refuses the environment: ${(error as Error).message.replace(/\s*\n\s*/g, " ")}`);
  }
  const unread = Object.keys(env).filter((k) => !read.has(k) && !k.startsWith("OTEL_"));
  if (unread.length > 0) problems.push(`sets variables config.ts does not read: ${unread.join(", ")}`);
  for (const k of Object.keys(env).filter((k) => k.startsWith("OTEL_") && !otelStandard.test(k))) {
    problems.push(`sets ${k}, not a standard OpenTelemetry variable`);
  }
  return { problems, ...(config !== undefined && { config }) };
}
