// `npm run check:compose`: docker-compose.yml is valid Compose (loaded by
// compose-go, the loader of `docker compose`, in tools/compose-check), and it
// describes the stacks the README promises, the default one (COMPOSE_PROFILES
// from .env.example, as `docker compose up` loads it) and the `cluster`
// profile's (as `docker compose --profile cluster up` loads it):
// - .env.example lists exactly the variables the file interpolates, and the
//   file refuses to load while the secrets it requires (`${X:?...}`) or
//   COMPOSE_PROFILES are empty;
// - a --profile replaces COMPOSE_PROFILES: each stack holds its own services
//   and the ones without a profile, nothing of the other's;
// - each stack: Postgres 18, NATS with JetStream on a volume (one server by
//   default, a cluster of three in the cluster profile, see compose-nats.ts),
//   Mailpit, Jaeger or an OpenTelemetry collector, and two or more Herald
//   replicas built from the Dockerfile, every service with a healthcheck;
// - each Herald replica's environment is accepted by src/config.ts's
//   loadConfig and sets no variable it does not read, apart from standard
//   OTEL_* variables (the OpenTelemetry SDK's); its URLs name services it
//   depends on (NATS_URL: every NATS node of its stack); its stream replica
//   count fits its NATS; replicas differ only in ports, hostname and OTel
//   instance id;
// - across all profiles, no host port, hostname or instance id twice;
// - the image runs as a non-root user, checks /readyz, exposes the ports the
//   replicas publish, and .dockerignore keeps nothing out that it copies;
// - the cluster profile's nats-server command lines, run on 127.0.0.1, form a
//   cluster in which Herald's streams get their replicas (compose-nats-trial.ts).
import { execFileSync, type SpawnSyncReturns, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { leaseMs } from "../src/usecases/index.js";
import { checkNatsCluster, checkNatsNode, checkSingleNats, type NatsNode, readNatsNode } from "./compose-nats.js";
import { tryNatsCluster } from "./compose-nats-trial.js";
import { checkHeraldEnvironment } from "./herald-environment.js";

interface Service {
  image?: string;
  profiles?: string[];
  hostname?: string;
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

// COMPOSE_PROFILES picks the stack of a plain `docker compose up`; the file
// requires it, since a .env without it (copied before the profiles existed)
// would start Postgres, Mailpit and Jaeger and no Herald.
if (interpolated.get("COMPOSE_PROFILES") !== true) {
  problem(`docker-compose.yml must require COMPOSE_PROFILES (\${COMPOSE_PROFILES:?message}), or no Herald may start`);
}
if (!example.COMPOSE_PROFILES) problem(".env.example must set COMPOSE_PROFILES, the stack `docker compose up` starts");

// --- load with compose-go: per profile, and without what is required ----------

const tmp = mkdtempSync(path.join(os.tmpdir(), "check-compose-"));
const loads: Record<string, SpawnSyncReturns<string>> = {};
try {
  const tool = path.join(tmp, "compose-check");
  execFileSync("go", ["build", "-o", tool, "."], { cwd: path.join(root, "tools/compose-check"), stdio: "inherit" });
  const writeEnv = (name: string, env: Record<string, string>) => {
    const file = path.join(tmp, name);
    writeFileSync(
      file,
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(""),
    );
    return file;
  };
  const load = (envFile: string, ...profiles: string[]) =>
    spawnSync(tool, ["-env-file", envFile, ...profiles.flatMap((p) => ["-profile", p]), composeFile], {
      encoding: "utf8",
    });
  // 32 hex characters: long enough for HERALD_USER_TOKEN_SECRET, safe in a URL.
  const filled = { ...example, ...Object.fromEntries(secrets.map((name) => [name, "0123456789abcdef".repeat(2)])) };
  const envFile = writeEnv("filled.env", filled);
  // As `docker compose up`, `docker compose --profile cluster up` and with every profile on.
  loads.default = load(envFile);
  loads.cluster = load(envFile, "cluster");
  loads.all = load(envFile, "*");
  const bare = load(path.join(root, ".env.example"));
  for (const name of secrets) {
    if (bare.status === 0 || !bare.stderr.includes(`required variable ${name} `)) {
      problem(`docker-compose.yml loads without ${name}`);
    }
  }
  const { COMPOSE_PROFILES: _, ...unprofiled } = filled;
  const withoutProfiles = load(writeEnv("unprofiled.env", unprofiled), "cluster");
  if (withoutProfiles.status === 0 || !withoutProfiles.stderr.includes("required variable COMPOSE_PROFILES ")) {
    problem("docker-compose.yml loads without COMPOSE_PROFILES");
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
for (const [label, loaded] of Object.entries(loads)) {
  if (loaded.status !== 0) {
    console.error(`check-compose: compose-go does not load docker-compose.yml (${label}):\n${loaded.stderr}`);
    process.exit(1);
  }
}
const servicesOf = (label: string) =>
  (JSON.parse(loads[label]?.stdout as string) as { services: Record<string, Service> }).services;
const everything = servicesOf("all");

// A --profile replaces COMPOSE_PROFILES (compose-go's cli.WithDefaultProfiles,
// which `docker compose` calls with its --profile flags): each stack runs the
// services of its profiles and those with none, and nothing else.
const stacks = [
  { label: "default", profiles: (example.COMPOSE_PROFILES ?? "").split(",").map((p) => p.trim()), expectedNats: 1 },
  { label: "cluster", profiles: ["cluster"], expectedNats: 3 },
].map((stack) => ({ ...stack, services: servicesOf(stack.label) }));
for (const { label, profiles, services } of stacks) {
  for (const [name, service] of Object.entries(everything)) {
    const runs = service.profiles === undefined || service.profiles.some((p) => profiles.includes(p));
    if (runs !== name in services) {
      const why = `with profiles ${profiles.join(",")} active, ${name} (profiles: ${service.profiles ?? "none"})`;
      problem(`${label}: ${why} ${runs ? "does not run" : "runs"}`);
    }
  }
}

// --- each stack ------------------------------------------------------------------

const herald = (services: Record<string, Service>) =>
  Object.keys(services)
    .filter((name) => services[name]?.build?.context === root)
    .sort();
const natsImage = /^(docker\.io\/)?(library\/)?nats:/;
const natsNodes = (services: Record<string, Service>) =>
  Object.keys(services)
    .filter((name) => natsImage.test(services[name]?.image ?? ""))
    .sort()
    .flatMap((name) => {
      const node = readNatsNode(name, services[name] as Service);
      if (node instanceof Error) problem(node.message);
      return node instanceof Error ? [] : [node];
    });

interface Stack {
  label: string;
  services: Record<string, Service>;
  herald: string[];
  kinds: Record<"postgres" | "mailpit" | "tracing", string | undefined>;
  nats: NatsNode[];
  say: (message: string) => void;
}

/** The kinds of services, a healthcheck on each, versioned images, NATS, and Postgres on a volume. */
function checkServices(label: string, services: Record<string, Service>, expectedNats: number): Stack {
  const say = (message: string) => problem(label === "default" ? message : `${label}: ${message}`);
  const byImage = (pattern: RegExp) => Object.keys(services).find((name) => pattern.test(services[name]?.image ?? ""));
  const stack: Stack = {
    label,
    services,
    herald: herald(services),
    kinds: {
      postgres: byImage(/^(docker\.io\/)?(library\/)?postgres:18(\b|$)/),
      mailpit: byImage(/^(docker\.io\/)?axllent\/mailpit:/),
      tracing: byImage(
        /^(docker\.io\/|cr\.jaegertracing\.io\/)?(jaegertracing\/(jaeger|all-in-one)|otel\/opentelemetry-collector[\w-]*):/,
      ),
    },
    nats: natsNodes(services),
    say,
  };
  for (const [kind, name] of Object.entries(stack.kinds)) {
    if (name === undefined) say(`no ${kind === "tracing" ? "Jaeger or OpenTelemetry collector" : kind} service`);
  }
  if (stack.nats.length === 0) say("no nats service");
  if (stack.herald.length < 2) {
    say(`${stack.herald.length} Herald replica(s) built from the Dockerfile; two or more expected`);
  }
  for (const [name, service] of Object.entries(services)) {
    const test = service.healthcheck?.test ?? [];
    if (service.healthcheck?.disable || test.length === 0 || test[0] === "NONE") say(`${name} has no healthcheck`);
    if (service.image !== undefined && !stack.herald.includes(name) && !/:(?!latest$)[\w.-]+$/.test(service.image)) {
      say(`${name}'s image ${service.image} has no version tag`);
    }
  }
  // NATS: JetStream, its store on a named volume, monitoring, a healthcheck;
  // alone, or a cluster (compose-nats.ts says what each needs).
  for (const node of stack.nats) checkNatsNode(node, say);
  if (expectedNats === 1) {
    if (stack.nats.length > 1) say(`${stack.nats.length} NATS servers; one expected`);
    for (const node of stack.nats) checkSingleNats(node, say);
  } else {
    checkNatsCluster(stack.nats, expectedNats, say);
  }
  const pg = stack.kinds.postgres === undefined ? undefined : services[stack.kinds.postgres];
  if (pg !== undefined && !pg.volumes?.some((v) => v.type === "volume" && "/var/lib/postgresql".startsWith(v.target))) {
    say("postgres keeps its data off a volume (mount one at /var/lib/postgresql)");
  }
  return stack;
}

// --- Herald replicas ---------------------------------------------------------

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
const envOf = (service: Service | undefined) =>
  Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, v ?? ""]));

/** One replica: its environment against config.ts, its dependencies and URLs; returns what config.ts reads of it. */
function checkHeraldReplica(stack: Stack, name: string): string {
  const { services, kinds, say } = stack;
  const service = services[name] as Service;
  const env = envOf(service);
  const checked = checkHeraldEnvironment(env);
  for (const problem of checked.problems) say(`${name} ${problem}`);
  // The metrics endpoint binds to loopback unless METRICS_HOST says otherwise:
  // a replica that publishes its metrics port must say otherwise.
  const settings = checked.config;
  if (
    settings?.telemetry.metricsEnabled === true &&
    service.ports?.some((p) => p.target === settings.telemetry.metricsPort) &&
    /^(127\.|::1$|localhost$)/.test(settings.telemetry.metricsHost)
  ) {
    say(`${name} publishes metrics port ${settings.telemetry.metricsPort}, but METRICS_HOST keeps it on loopback`);
  }

  const depends = service.depends_on ?? {};
  for (const dep of [kinds.postgres, ...stack.nats.map((n) => n.service)]) {
    if (dep !== undefined && depends[dep]?.condition !== "service_healthy") {
      say(`${name} does not wait for ${dep} to be healthy (depends_on condition service_healthy)`);
    }
  }
  const points = { DATABASE_URL: kinds.postgres, SMTP_URL: kinds.mailpit, OTEL_EXPORTER_OTLP_ENDPOINT: kinds.tracing };
  for (const [variable, target] of Object.entries(points)) {
    const host = parseUrl(env[variable])?.hostname;
    if (host !== target) say(`${name}: ${variable} should point at the ${target ?? variable} service, not ${host}`);
    else if (host !== undefined && depends[host] === undefined) say(`${name} does not depend on ${host}`);
  }
  checkNatsUrl(stack, name, env.NATS_URL ?? "", settings?.nats.streamReplicas);
  const protocol = env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf";
  const otlpPort = parseUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT)?.port;
  if (otlpPort && otlpPort !== (protocol === "grpc" ? "4317" : "4318")) {
    say(`${name}: OTLP over ${protocol} goes to port ${protocol === "grpc" ? 4317 : 4318}, not ${otlpPort}`);
  }
  if (!service.healthcheck?.test?.join(" ").includes("/readyz")) say(`${name}'s healthcheck does not ask /readyz`);
  if (service.user !== undefined && /^(root|0)(:|$)/.test(service.user)) say(`${name} runs as root`);
  const [mine, first] = [flatten(service), flatten(services[stack.herald[0] as string] as Service)];
  const differs = [...new Set([...mine.keys(), ...first.keys()])].filter((key) => mine.get(key) !== first.get(key));
  if (differs.length > 0) say(`${name} differs from ${stack.herald[0]} in ${differs.join(", ")}`);
  const replicas = settings === undefined ? "" : `; NATS_STREAM_REPLICAS=${settings.nats.streamReplicas}`;
  const otel = Object.keys(env).filter((k) => k.startsWith("OTEL_"));
  return `${Object.keys(env).length - otel.length} read by config.ts + ${otel.length} OTEL_*${replicas}`;
}

/**
 * NATS_URL lists every NATS node of the stack on its client port (so a
 * replica connects while any one is down), and the stream replica count is
 * what the stack's NATS holds: 1 on a single server (Herald refuses more), 3
 * on a cluster of three or more.
 */
function checkNatsUrl(stack: Stack, name: string, natsUrl: string, replicas: number | undefined): void {
  const { nats, say } = stack;
  const listed = new Set<string>();
  for (const part of natsUrl.split(",")) {
    const url = parseUrl(part.trim());
    const node = nats.find((n) => url !== undefined && n.hosts.includes(url.hostname));
    if (node === undefined) say(`${name}: NATS_URL names ${part}, which is no NATS service of this stack`);
    else if (Number(url?.port || 4222) !== node.clientPort) {
      say(`${name}: NATS_URL names ${part}, but ${node.service} listens for clients on ${node.clientPort}`);
    } else listed.add(node.service);
  }
  const missing = nats.filter((n) => !listed.has(n.service)).map((n) => n.service);
  if (missing.length > 0) say(`${name}: NATS_URL leaves out ${missing.join(", ")}`);
  if (replicas === undefined) return;
  const expected = nats.length >= 3 ? 3 : 1;
  if (replicas > nats.length) {
    say(`${name}: NATS_STREAM_REPLICAS=${replicas}, more copies than the ${nats.length} NATS node(s) can hold`);
  } else if (replicas !== expected) {
    say(`${name}: NATS_STREAM_REPLICAS=${replicas}; ${expected} expected with ${nats.length} NATS node(s)`);
  }
}

const checked = stacks.map(({ label, services, expectedNats }) => {
  const stack = checkServices(label, services, expectedNats);
  return { ...stack, readCounts: stack.herald.map((name) => checkHeraldReplica(stack, name)) };
});

// --- across profiles: all of them could run at once ----------------------------

const everyHerald = herald(everything);
const instanceIds = everyHerald.map((name) => everything[name]?.environment?.OTEL_RESOURCE_ATTRIBUTES ?? name);
if (new Set(instanceIds).size !== instanceIds.length) problem("Herald replicas share an OTEL_RESOURCE_ATTRIBUTES");
const hostnames = Object.values(everything).flatMap((s) => (s.hostname === undefined ? [] : [s.hostname]));
if (new Set(hostnames).size !== hostnames.length) problem(`services share a hostname: ${hostnames.join(", ")}`);
const storeVolumes = natsNodes(everything).map((n) => n.storeVolume);
if (new Set(storeVolumes).size !== storeVolumes.length) {
  problem(`NATS services share a store volume: ${storeVolumes.join(", ")}`);
}
// Host ports: none published twice.
const published = new Map<string, string>();
for (const [name, service] of Object.entries(everything)) {
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
for (const target of new Set(everyHerald.flatMap((name) => everything[name]?.ports?.map((p) => p.target) ?? []))) {
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

// --- the cluster, run: only if all above holds ------------------------------------

const distinct = [...new Set(problems)];
if (distinct.length > 0) {
  console.error(`check-compose: ${distinct.length} problem(s):\n  - ${distinct.join("\n  - ")}`);
  process.exit(1);
}
const cluster = checked.find((stack) => stack.label === "cluster") as (typeof checked)[number];
const replicaEnv = envOf(cluster.services[cluster.herald[0] as string]);
const replicaConfig = loadConfig(replicaEnv);
let trial: string;
try {
  trial = await tryNatsCluster({
    nodes: cluster.nats,
    herald: {
      natsUrl: replicaConfig.nats.url,
      prefix: replicaConfig.nats.prefix,
      replicas: replicaConfig.nats.streamReplicas,
      // The channels the replica offers, as app.ts provisions them.
      channels: Object.keys(replicaConfig.channels).filter((id) => replicaConfig.channels[id as never] != null),
      ackWaitMs: leaseMs(replicaConfig.delivery.timeoutMs),
    },
  });
} catch (error) {
  console.error(`check-compose: the cluster profile's NATS nodes, run on 127.0.0.1, fail: ${(error as Error).message}`);
  process.exit(1);
}

// --- summary ------------------------------------------------------------------

const describe = (services: Record<string, Service>, name: string | undefined) =>
  `${name} (${services[name as string]?.image})`;
const ports = (services: Record<string, Service>, name: string) =>
  (services[name]?.ports ?? []).map((p) => `${p.published}->${p.target}`).join(", ") || "no ports";
const stackLines = checked.flatMap(({ label, services, kinds, nats, herald, readCounts }) => [
  `  ${label === "default" ? `default (COMPOSE_PROFILES=${example.COMPOSE_PROFILES})` : `--profile ${label}`}: ${Object.keys(services).length} services, each with a healthcheck`,
  `    dependencies: ${[kinds.postgres, kinds.mailpit, kinds.tracing].map((name) => describe(services, name)).join(", ")}; ` +
    (nats.length === 1
      ? `${describe(services, nats[0]?.service)}, JetStream on a volume`
      : `NATS cluster "${nats[0]?.clusterName}" of ${nats.map((n) => `${n.serverName} (${n.storeVolume})`).join(", ")}, routes to all, JetStream each`),
  `    Herald: ${herald.map((name, i) => `${name} [${ports(services, name)}; ${readCounts[i]}]`).join(", ")}`,
]);
console.log(
  [
    "check-compose: ok",
    ...stackLines,
    `  all profiles at once: ${Object.keys(everything).length} services; no host port, hostname, instance id or NATS volume twice`,
    `  image: runs as ${user}, checks /readyz, exposes ${exposed.join(" ")}; .dockerignore keeps in ${[...copied].join(" ")}`,
    trial,
  ].join("\n"),
);
