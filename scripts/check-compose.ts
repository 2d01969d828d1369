// `npm run check:compose`: docker-compose.yml is valid Compose (loaded by
// compose-go, the loader of `docker compose`, in tools/compose-check), and it
// describes the stack the README promises:
// - .env.example lists exactly the variables the file interpolates, and the
//   file refuses to load while the secrets it requires (`${X:?...}`) are empty;
// - Postgres 18, NATS with JetStream on a volume, Mailpit, Jaeger or an
//   OpenTelemetry collector, and two or more Herald replicas built from the
//   Dockerfile, every service with a healthcheck;
// - each Herald replica's environment is accepted by src/config.ts's
//   loadConfig and sets no variable it does not read, apart from standard
//   OTEL_* variables (the OpenTelemetry SDK's); its URLs name services it
//   depends on; replicas differ only in ports, hostname and OTel instance id;
// - the image runs as a non-root user, checks /readyz, exposes the ports the
//   replicas publish, and .dockerignore keeps nothing out that it copies.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  user?: string;
  command?: string[] | null;
  environment?: Record<string, string | null>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  volumes?: { type: string; source?: string; target: string }[];
  ports?: { target: number; published?: string; host_ip?: string }[];
  [key: string]: unknown;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const composeFile = path.join(root, "docker-compose.yml");
const problems: string[] = [];
const problem = (message: string) => problems.push(message);

// --- .env.example and the variables docker-compose.yml interpolates ---------

const parseEnvFile = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => [line.slice(0, line.indexOf("=")).trim(), line.slice(line.indexOf("=") + 1).trim()]),
  );
const example = parseEnvFile(readFileSync(path.join(root, ".env.example"), "utf8"));
const interpolated = new Map<string, boolean>(); // name -> required (`:?`)
for (const m of readFileSync(composeFile, "utf8").matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?\?)?/g)) {
  interpolated.set(m[1] as string, interpolated.get(m[1] as string) === true || m[2] !== undefined);
}
for (const name of interpolated.keys()) {
  if (!(name in example)) problem(`docker-compose.yml uses \${${name}}, which .env.example does not list`);
}
for (const name of Object.keys(example)) {
  if (!interpolated.has(name)) problem(`.env.example lists ${name}, which docker-compose.yml does not use`);
}
// The secrets: Compose must refuse to start without them (`${X:?message}`).
const secrets = ["POSTGRES_PASSWORD", "HERALD_USER_TOKEN_SECRET"];
for (const name of secrets) {
  if (interpolated.get(name) !== true) problem(`docker-compose.yml must require ${name}: \${${name}:?message}`);
  if (example[name]) problem(`.env.example must leave the secret ${name} empty`);
}

// --- load with compose-go: with the secrets filled in, and without ----------

const tmp = mkdtempSync(path.join(os.tmpdir(), "check-compose-"));
let loaded: ReturnType<typeof spawnSync>;
try {
  const tool = path.join(tmp, "compose-check");
  execFileSync("go", ["build", "-o", tool, "."], { cwd: path.join(root, "tools/compose-check"), stdio: "inherit" });
  // 32 hex characters: long enough for HERALD_USER_TOKEN_SECRET, safe in a URL.
  const filled = { ...example, ...Object.fromEntries(secrets.map((name) => [name, "0123456789abcdef".repeat(2)])) };
  const envFile = path.join(tmp, "filled.env");
  writeFileSync(
    envFile,
    Object.entries(filled)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
  );
  loaded = spawnSync(tool, ["-env-file", envFile, composeFile], { encoding: "utf8" });
  const bare = spawnSync(tool, ["-env-file", path.join(root, ".env.example"), composeFile], { encoding: "utf8" });
  for (const name of secrets) {
    if (bare.status === 0 || !bare.stderr.includes(`required variable ${name} `)) {
      problem(`docker-compose.yml loads without ${name}`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (loaded.status !== 0) {
  console.error(`check-compose: compose-go does not load docker-compose.yml:\n${loaded.stderr}`);
  process.exit(1);
}
const services = (JSON.parse(loaded.stdout as string) as { services: Record<string, Service> }).services;

// --- the kinds of services, and a healthcheck on each ------------------------

const herald = Object.keys(services)
  .filter((name) => services[name]?.build?.context === root)
  .sort();
const byImage = (pattern: RegExp) => Object.keys(services).find((name) => pattern.test(services[name]?.image ?? ""));
const kinds = {
  postgres: byImage(/^(docker\.io\/)?(library\/)?postgres:18(\b|$)/),
  nats: byImage(/^(docker\.io\/)?(library\/)?nats:/),
  mailpit: byImage(/^(docker\.io\/)?axllent\/mailpit:/),
  tracing: byImage(
    /^(docker\.io\/|cr\.jaegertracing\.io\/)?(jaegertracing\/(jaeger|all-in-one)|otel\/opentelemetry-collector[\w-]*):/,
  ),
};
for (const [kind, name] of Object.entries(kinds)) {
  if (name === undefined) problem(`no ${kind === "tracing" ? "Jaeger or OpenTelemetry collector" : kind} service`);
}
if (herald.length < 2) problem(`${herald.length} Herald replica(s) built from the Dockerfile; two or more expected`);

for (const [name, service] of Object.entries(services)) {
  const test = service.healthcheck?.test ?? [];
  if (service.healthcheck?.disable || test.length === 0 || test[0] === "NONE") problem(`${name} has no healthcheck`);
  if (service.image !== undefined && !herald.includes(name) && !/:(?!latest$)[\w.-]+$/.test(service.image)) {
    problem(`${name}'s image ${service.image} has no version tag`);
  }
}

// NATS: JetStream, its store on a named volume, monitoring, a JetStream-aware healthcheck.
const nats = kinds.nats === undefined ? undefined : services[kinds.nats];
if (nats !== undefined) {
  const args = nats.command ?? [];
  const flag = (...names: string[]) => args.findIndex((arg) => names.includes(arg));
  const storeDir = args[flag("-sd", "--store_dir") + 1];
  if (flag("-js", "--jetstream") < 0) problem("nats runs without JetStream (-js)");
  if (flag("-m", "--http_port") < 0) problem("nats has no monitoring port (-m)");
  if (flag("-sd", "--store_dir") < 0 || storeDir === undefined) problem("nats has no JetStream store dir (-sd)");
  else if (
    !nats.volumes?.some(
      (v) => v.type === "volume" && (storeDir === v.target || storeDir.startsWith(`${v.target.replace(/\/$/, "")}/`)),
    )
  ) {
    problem(`nats's store dir ${storeDir} is not on a volume`);
  }
  if (!nats.healthcheck?.test?.join(" ").includes("/healthz?js-enabled-only=true")) {
    problem("nats's healthcheck does not ask /healthz?js-enabled-only=true");
  }
}
const pg = kinds.postgres === undefined ? undefined : services[kinds.postgres];
if (pg !== undefined && !pg.volumes?.some((v) => v.type === "volume" && "/var/lib/postgresql".startsWith(v.target))) {
  problem("postgres keeps its data off a volume (mount one at /var/lib/postgresql)");
}

// --- Herald replicas ---------------------------------------------------------

const otelStandard = new RegExp(
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
// Replicas are kept in step: only these may differ between them.
const perReplica = new Set(["ports", "hostname", "container_name", "environment.OTEL_RESOURCE_ATTRIBUTES"]);
const flatten = (service: Service) =>
  new Map(
    Object.entries(service)
      .flatMap(([key, value]) =>
        key === "environment"
          ? Object.entries(value as object).map(([k, v]) => [`environment.${k}`, v])
          : [[key, value] as const],
      )
      .filter(([key]) => !perReplica.has(key as string))
      .map(([key, value]) => [key as string, JSON.stringify(value)]),
  );
const parseUrl = (text: string | undefined) => {
  try {
    return new URL(text ?? "");
  } catch {
    return undefined;
  }
};
const readCounts: string[] = [];
for (const name of herald) {
  const service = services[name] as Service;
  const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v ?? ""]));
  const read = new Set<string>();
  try {
    loadConfig(
      new Proxy(env, {
        get(target, key: string) {
          read.add(key);
          return target[key];
        },
      }),
    );
  } catch (error) {
    problem(`${name}: config.ts refuses its environment: ${(error as Error).message.replace(/\s*\n\s*/g, " ")}`);
  }
  // The metrics endpoint binds to loopback unless METRICS_HOST says otherwise:
  // a replica that publishes its metrics port must say otherwise.
  const settings = (() => {
    try {
      return loadConfig(env);
    } catch {
      return undefined;
    }
  })();
  if (
    settings?.telemetry.metricsEnabled === true &&
    service.ports?.some((p) => p.target === settings.telemetry.metricsPort) &&
    /^(127\.|::1$|localhost$)/.test(settings.telemetry.metricsHost)
  ) {
    problem(`${name} publishes metrics port ${settings.telemetry.metricsPort}, but METRICS_HOST keeps it on loopback`);
  }
  const otel = Object.keys(env).filter((k) => k.startsWith("OTEL_"));
  const unknown = Object.keys(env).filter((k) => !read.has(k) && !k.startsWith("OTEL_"));
  if (unknown.length > 0) problem(`${name} sets variables config.ts does not read: ${unknown.join(", ")}`);
  for (const k of otel.filter((k) => !otelStandard.test(k))) {
    problem(`${name} sets ${k}, not a standard OpenTelemetry variable`);
  }
  readCounts.push(`${Object.keys(env).length - otel.length} read by config.ts + ${otel.length} OTEL_*`);

  const depends = service.depends_on ?? {};
  for (const dep of [kinds.postgres, kinds.nats]) {
    if (dep !== undefined && depends[dep]?.condition !== "service_healthy") {
      problem(`${name} does not wait for ${dep} to be healthy (depends_on condition service_healthy)`);
    }
  }
  const points = { DATABASE_URL: kinds.postgres, NATS_URL: kinds.nats, SMTP_URL: kinds.mailpit };
  for (const [variable, target] of Object.entries({ ...points, OTEL_EXPORTER_OTLP_ENDPOINT: kinds.tracing })) {
    const host = parseUrl(env[variable])?.hostname;
    if (host !== target) problem(`${name}: ${variable} should point at the ${target ?? variable} service, not ${host}`);
    else if (host !== undefined && depends[host] === undefined) problem(`${name} does not depend on ${host}`);
  }
  const protocol = env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf";
  const otlpPort = parseUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT)?.port;
  if (otlpPort && otlpPort !== (protocol === "grpc" ? "4317" : "4318")) {
    problem(`${name}: OTLP over ${protocol} goes to port ${protocol === "grpc" ? 4317 : 4318}, not ${otlpPort}`);
  }
  if (!service.healthcheck?.test?.join(" ").includes("/readyz")) problem(`${name}'s healthcheck does not ask /readyz`);
  if (service.user !== undefined && /^(root|0)(:|$)/.test(service.user)) problem(`${name} runs as root`);
  const [mine, first] = [flatten(service), flatten(services[herald[0] as string] as Service)];
  const differs = [...new Set([...mine.keys(), ...first.keys()])].filter((key) => mine.get(key) !== first.get(key));
  if (differs.length > 0) problem(`${name} differs from ${herald[0]} in ${differs.join(", ")}`);
}
const instanceIds = herald.map((name) => services[name]?.environment?.OTEL_RESOURCE_ATTRIBUTES ?? name);
if (new Set(instanceIds).size !== instanceIds.length) problem("Herald replicas share an OTEL_RESOURCE_ATTRIBUTES");

// Host ports: none published twice.
const published = new Map<string, string>();
for (const [name, service] of Object.entries(services)) {
  for (const port of service.ports ?? []) {
    const [from, to = from] = (port.published ?? "").split("-").map(Number) as [number, number?];
    for (let p = from; p <= to; p++) {
      const key = `${port.host_ip ?? "*"}:${p}`;
      if (published.has(key)) problem(`host port ${p} is published by both ${published.get(key)} and ${name}`);
      published.set(key, name);
    }
  }
}

// --- Dockerfile and .dockerignore ---------------------------------------------

const instructions = readFileSync(path.join(root, "Dockerfile"), "utf8")
  .replace(/\\\r?\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"))
  .map((line) => ({
    op: (line.split(/\s+/)[0] as string).toUpperCase(),
    args: line.slice(line.search(/\s/) + 1).trim(),
  }));
const finalStage = instructions.slice(instructions.findLastIndex((i) => i.op === "FROM"));
const user = finalStage.findLast((i) => i.op === "USER")?.args;
if (user === undefined || /^(root|0)(:|$)/.test(user)) problem(`the image runs as ${user ?? "root"}; add a USER line`);
if (!finalStage.some((i) => i.op === "HEALTHCHECK" && i.args.includes("/readyz"))) {
  problem("the Dockerfile's HEALTHCHECK does not ask /readyz");
}
const exposed = finalStage
  .filter((i) => i.op === "EXPOSE")
  .flatMap((i) => i.args.split(/\s+/).map((p) => parseInt(p, 10)));
for (const target of new Set(herald.flatMap((name) => services[name]?.ports?.map((p) => p.target) ?? []))) {
  if (!exposed.includes(target)) problem(`the Dockerfile does not EXPOSE ${target}, which the replicas publish`);
}

const ignore = readFileSync(path.join(root, ".dockerignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"))
  .map((line) => {
    const negated = line.startsWith("!");
    const pattern = path.posix.normalize(line.slice(negated ? 1 : 0).replace(/^\/+/, "")).replace(/\/+$/, "");
    const source = pattern
      .split(/(\*\*\/|\/\*\*$|\*\*|\*|\?)/)
      .map((part) =>
        part === "**/"
          ? "(?:.*/)?"
          : part === "/**"
            ? "(?:/.*)?"
            : part === "**"
              ? ".*"
              : part === "*"
                ? "[^/]*"
                : part === "?"
                  ? "[^/]"
                  : part.replace(/[.+^${}()|\\]/g, "\\$&"),
      )
      .join("");
    return { negated, regex: new RegExp(`^${source}$`) };
  });
// Docker's rule: the last pattern matching the path or one of its parents wins.
const ignored = (file: string) => {
  const prefixes = file.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  let result = false;
  for (const { negated, regex } of ignore) if (prefixes.some((p) => regex.test(p))) result = !negated;
  return result;
};
const copied = new Set<string>();
for (const { args } of instructions.filter((i) => i.op === "COPY" || i.op === "ADD")) {
  const words = args.startsWith("[") ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  if (words.some((w) => w.startsWith("--from="))) continue;
  for (const source of words.filter((w) => !w.startsWith("--")).slice(0, -1)) {
    const full = path.join(root, source);
    if (!existsSync(full)) {
      problem(`the Dockerfile copies ${source}, which does not exist`);
      continue;
    }
    const files = statSync(full).isDirectory()
      ? readdirSync(full, { recursive: true, encoding: "utf8" }).map((f) => path.posix.join(source, f))
      : [source];
    copied.add(source);
    const excluded = files.filter(ignored);
    if (excluded.length > 0)
      problem(`.dockerignore keeps out what the image copies: ${excluded.slice(0, 5).join(", ")}`);
  }
}

// --- summary ------------------------------------------------------------------

if (problems.length > 0) {
  console.error(`check-compose: ${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`);
  process.exit(1);
}
const describe = (name: string | undefined) => `${name} (${services[name as string]?.image})`;
const ports = (name: string) =>
  (services[name]?.ports ?? []).map((p) => `${p.published}->${p.target}`).join(", ") || "no ports";
console.log(
  [
    `check-compose: ok, ${Object.keys(services).length} services, each with a healthcheck`,
    `  dependencies: ${[kinds.postgres, kinds.nats, kinds.mailpit, kinds.tracing].map(describe).join(", ")}; JetStream on a volume`,
    `  Herald: ${herald.map((name, i) => `${name} [${ports(name)}; ${readCounts[i]}]`).join(", ")}`,
    `  image: runs as ${user}, checks /readyz, exposes ${exposed.join(" ")}; .dockerignore keeps in ${[...copied].join(" ")}`,
  ].join("\n"),
);
