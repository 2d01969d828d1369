// The nats-server services of docker-compose.yml, their command lines read the
// way nats-server reads them, and what check-compose requires of them: of any
// node (JetStream with its store on a volume, monitoring, a /healthz
// healthcheck) and of a cluster (one name, distinct server names, routes to
// every node, a volume each).

/** What is read of a Compose service (compose-go's JSON). */
export interface NatsServiceSpec {
  hostname?: string;
  command?: string[] | null;
  volumes?: { type: string; source?: string; target: string }[];
  healthcheck?: { test?: string[] };
}

/** One option of a nats-server command line, under its canonical name where it has several. */
export interface NatsOption {
  name: string;
  value: string | true;
}

/** A nats-server service as its command line configures it. */
export interface NatsNode {
  /** The Compose service. */
  service: string;
  /** The names other containers reach it by: the service name, and its hostname. */
  hosts: string[];
  options: NatsOption[];
  serverName?: string;
  clusterName?: string;
  jetstream: boolean;
  storeDir?: string;
  /** The named volume that holds the store dir. */
  storeVolume?: string;
  httpPort?: number;
  clientPort: number;
  /** Where it listens for routes (`--cluster`). */
  clusterListen?: URL;
  routes: URL[];
  /** The URL its healthcheck fetches. */
  healthUrl?: URL;
}

// Flags of `nats-server --help` that take no value (Go's flag package: `-x`
// and `--x` are one flag, a boolean takes a value only as `--x=false`), and the
// aliases of the options read here.
const booleanFlags = new Set(
  "js jetstream D V VV DV DVV T logtime logtime_utc s syslog tls tlsverify t h help v version help_tls no_advertise".split(
    " ",
  ),
);
const aliases: Record<string, string> = {
  n: "server_name",
  name: "server_name",
  js: "jetstream",
  sd: "store_dir",
  m: "http_port",
  p: "port",
  a: "addr",
  net: "addr",
  c: "config",
  cluster_listen: "cluster",
};

/**
 * Reads a `command` as the nats image runs it: its entrypoint prepends
 * `nats-server` when the first word is a flag.
 */
export function parseNatsCommand(command: readonly string[]): NatsOption[] {
  const args = command[0] === "nats-server" ? command.slice(1) : command;
  const options: NatsOption[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const match = /^--?([A-Za-z_]\w*)(?:=(.*))?$/s.exec(arg);
    if (match === null) throw new Error(`"${arg}" is not a nats-server option`);
    const [, raw = "", inline] = match;
    const name = aliases[raw] ?? raw;
    if (inline !== undefined) options.push({ name, value: inline });
    else if (booleanFlags.has(raw)) options.push({ name, value: true });
    else if (i + 1 < args.length) options.push({ name, value: args[++i] as string });
    else throw new Error(`${arg} has no value`);
  }
  return options;
}

const loopback = /^(127\.|localhost$|\[?::1\]?$)/;

const urlOf = (text: string) => {
  try {
    return new URL(text.trim());
  } catch {
    return undefined;
  }
};

/** A nats-server service's configuration, or why its command cannot be read. */
export function readNatsNode(service: string, spec: NatsServiceSpec): NatsNode | Error {
  let options: NatsOption[];
  try {
    options = parseNatsCommand(spec.command ?? []);
  } catch (error) {
    return new Error(`${service}'s command: ${(error as Error).message}`);
  }
  const value = (name: string) => {
    const found = options.findLast((o) => o.name === name)?.value;
    return typeof found === "string" ? found : undefined;
  };
  const storeDir = value("store_dir");
  const port = (name: string) => (value(name) === undefined ? undefined : Number(value(name)));
  const routes = (value("routes") ?? "").split(",").filter((r) => r.trim() !== "");
  return {
    service,
    hosts: [service, ...(spec.hostname === undefined ? [] : [spec.hostname])],
    options,
    serverName: value("server_name"),
    clusterName: value("cluster_name"),
    jetstream: options.some((o) => o.name === "jetstream" && o.value !== "false"),
    storeDir,
    storeVolume:
      storeDir === undefined
        ? undefined
        : spec.volumes?.find(
            (v) =>
              v.type === "volume" && (storeDir === v.target || storeDir.startsWith(`${v.target.replace(/\/$/, "")}/`)),
          )?.source,
    httpPort: port("http_port"),
    clientPort: port("port") ?? 4222,
    clusterListen: value("cluster") === undefined ? undefined : urlOf(value("cluster") as string),
    routes: routes.map((r) => urlOf(r) ?? new URL("invalid:")),
    healthUrl: spec.healthcheck?.test?.map((word) => urlOf(word)).find((u) => u?.protocol.startsWith("http")),
  };
}

/** JetStream, its store on a volume, monitoring, and a healthcheck on /healthz (checkSingleNats and checkNatsCluster say which). */
export function checkNatsNode(node: NatsNode, problem: (message: string) => void): void {
  const name = node.service;
  if (!node.jetstream) problem(`${name} runs without JetStream (-js)`);
  if (node.httpPort === undefined) problem(`${name} has no monitoring port (-m)`);
  if (node.storeDir === undefined) problem(`${name} has no JetStream store dir (-sd)`);
  else if (node.storeVolume === undefined) problem(`${name}'s store dir ${node.storeDir} is not on a volume`);
  // In a container, loopback is the container's own: no other service would reach it.
  const addr = node.options.findLast((o) => o.name === "addr")?.value;
  if (typeof addr === "string" && loopback.test(addr)) problem(`${name} listens for clients on loopback (${addr})`);
  const health = node.healthUrl;
  if (health?.pathname !== "/healthz" || Number(health.port || 80) !== node.httpPort) {
    problem(`${name}'s healthcheck does not ask /healthz on its monitoring port`);
  }
}

/** A single server's healthcheck only asks whether JetStream is on (its streams need no leader). */
export function checkSingleNats(node: NatsNode, problem: (message: string) => void): void {
  if (node.healthUrl?.searchParams.get("js-enabled-only") !== "true") {
    problem(`${node.service}'s healthcheck does not ask /healthz?js-enabled-only=true`);
  }
  if (node.clusterListen !== undefined || node.routes.length > 0) {
    problem(`${node.service} is meant to run alone, yet takes part in a cluster (--cluster, --routes)`);
  }
}

/**
 * One JetStream cluster of `size` nodes: one cluster name, distinct server
 * names, each node's routes naming every node's cluster port by a name that
 * reaches it, a store volume each, and a plain /healthz healthcheck (in a
 * cluster it passes only once the node has a JetStream meta leader, that is a
 * majority of the nodes; `js-enabled-only` would pass on a lone node).
 */
export function checkNatsCluster(nodes: readonly NatsNode[], size: number, problem: (message: string) => void): void {
  if (nodes.length !== size) problem(`${nodes.length} NATS node(s) in the cluster profile; ${size} expected`);
  const clusterNames = new Set(nodes.map((n) => n.clusterName));
  if (clusterNames.size !== 1 || clusterNames.has(undefined)) {
    problem(`the NATS nodes do not share one --cluster_name: ${[...clusterNames].join(", ")}`);
  }
  const serverNames = nodes.map((n) => n.serverName);
  if (serverNames.includes(undefined) || new Set(serverNames).size !== nodes.length) {
    problem(`the NATS nodes need distinct --server_name values (JetStream places by name): ${serverNames.join(", ")}`);
  }
  const volumes = nodes.map((n) => n.storeVolume);
  if (new Set(volumes).size !== nodes.length) problem(`the NATS nodes share a store volume: ${volumes.join(", ")}`);
  const byHost = new Map(nodes.flatMap((n) => n.hosts.map((h) => [h, n] as const)));
  for (const node of nodes) {
    const name = node.service;
    if (node.clusterListen === undefined) problem(`${name} listens for no routes (--cluster)`);
    else if (loopback.test(node.clusterListen.hostname)) {
      problem(`${name} listens for routes on loopback (${node.clusterListen.host}), out of the other nodes' reach`);
    }
    const reached = new Set<string>();
    for (const route of node.routes) {
      const target = byHost.get(route.hostname);
      if (route.protocol !== "nats:" || target === undefined) {
        problem(`${name} routes to ${route.href}, which names no NATS node of the cluster`);
      } else if (route.port !== target.clusterListen?.port) {
        problem(
          `${name} routes to ${route.href}, but ${target.service} listens for routes on ${target.clusterListen?.port}`,
        );
      } else reached.add(target.service);
    }
    const missing = nodes.filter((n) => !reached.has(n.service)).map((n) => n.service);
    if (missing.length > 0) problem(`${name}'s --routes leave out ${missing.join(", ")}`);
    const query = [...(node.healthUrl?.searchParams.keys() ?? [])].filter((k) => k.startsWith("js-"));
    if (query.length > 0) {
      problem(`${name}'s healthcheck asks /healthz?${query.join("&")}, which passes without a JetStream meta leader`);
    }
  }
}
