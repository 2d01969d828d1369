// `npm run check:helm`: deploy/helm/herald renders Kubernetes objects that are
// valid and that run Herald the way the README says, with no cluster and no
// network (helm and tools/kube-check are built once into the tool cache):
// - Chart.yaml's appVersion is package.json's version;
// - every values file in deploy/helm/herald/ci passes `helm lint --strict`,
//   renders with `helm template`, and every object it renders passes
//   tools/kube-check (strict decoding into k8s.io/api and prometheus-operator
//   types, then selectors, ports, probes, HPA target, grace period);
// - each rendered container environment is accepted by src/config.ts's
//   loadConfig and sets no variable it does not read (secrets through
//   secretKeyRef count as set), apart from standard OTEL_* variables; metrics
//   listen beyond loopback when the pod declares a metrics port; probes ask
//   /healthz and /readyz; the pod runs hardened;
// - every values file in ci/rejected is refused, with the message its
//   `# expect:` line names (required secrets, schema limits, typos...);
// - deliberately broken copies of a rendered chart make kube-check and the
//   environment check fail, so neither can pass by checking nothing.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureHelm, ensureKubeCheck, helmKubeVersion } from "../dev/helm-tools.js";
import { serviceAccountFields } from "../src/channels/google-access-tokens.js";
import type { Config } from "../src/config.js";
import { checkHeraldEnvironment } from "./herald-environment.js";

const started = Date.now();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const chart = path.join(root, "deploy/helm/herald");
const relative = (file: string) => path.relative(chart, file);
const namespace = "herald";
const problems: string[] = [];
const problem = (message: string) => problems.push(message);
const tmp = mkdtempSync(path.join(os.tmpdir(), "check-helm-"));

const helm = await ensureHelm();
const kubeCheck = await ensureKubeCheck();
const run = (command: string, args: string[], input?: string) =>
  spawnSync(command, args, { encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024 });
// Rendered for the Kubernetes version helm assumes offline (helmKubeVersion).
const render = (valuesFile: string, ...extra: string[]) =>
  run(helm, ["template", "herald", chart, "--namespace", namespace, "-f", valuesFile, ...extra]);
const valuesFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => path.join(dir, f));

// --- the objects kube-check prints with -json (only the fields read here) ---

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path?: string } };
  livenessProbe?: { httpGet?: { path?: string } };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { mountPath: string }[];
}
interface PodTemplate {
  metadata: { annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    enableServiceLinks?: boolean;
    automountServiceAccountToken?: boolean;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type?: string } };
  };
}
interface KubeObject {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { ports?: { name?: string; appProtocol?: string }[]; template?: PodTemplate };
}

// --- Herald's own expectations of a rendered release -------------------------

// Values that loadConfig accepts, for secrets the chart reads from a Secret it
// does not render (secret.existingSecret): what matters is that they are set.
const placeholders: Record<string, string> = {
  DATABASE_URL: "postgres://herald:x@postgres:5432/herald",
  NATS_URL: "nats://herald:x@nats:4222",
  HERALD_USER_TOKEN_SECRET: "0123456789abcdef".repeat(2),
  HERALD_BOOTSTRAP_API_KEY: "hk_0123456789abcdef_0123456789abcdefXYZ",
  SMTP_URL: "smtp://herald:x@smtp.example.com:587",
  SLACK_BOT_TOKEN: "xoxb-0-placeholder",
};
const fakeServiceAccount = path.join(tmp, "fcm.json");
writeFileSync(fakeServiceAccount, JSON.stringify(Object.fromEntries(serviceAccountFields.map((k) => [k, "x"]))));

/** What is wrong with a rendered release, and a one-line description of it. */
function checkRelease(objects: KubeObject[]): { problems: string[]; summary: string } {
  const deployments = objects.filter((o) => o.kind === "Deployment");
  const pod = deployments[0]?.spec?.template;
  const container = pod?.spec.containers.find((c) => c.name === "herald");
  if (deployments.length !== 1 || pod === undefined || container === undefined) {
    return { problems: ["expected one Deployment with a container named herald"], summary: "" };
  }
  const secrets = new Map(objects.filter((o) => o.kind === "Secret").map((o) => [o.metadata.name, o.data ?? {}]));
  const env = environmentOf(container, secrets);
  const checked = checkEnvironment(env, container);
  const problems = [...checked.problems, ...checkPod(pod, container, checked.config)];
  if (secrets.size > 0 && !pod.metadata.annotations?.["checksum/secret"]) {
    problems.push("no checksum/secret annotation: pods would keep a changed secret's old value");
  }
  for (const [name, data] of secrets) {
    const read = container.env?.filter((e) => e.valueFrom?.secretKeyRef?.name === name).length ?? 0;
    const keys = Object.keys(data).length;
    if (read !== keys || keys === 0) problems.push(`Secret ${name} has ${keys} keys, of which the pods read ${read}`);
  }
  const api = objects.find((o) => o.kind === "Service" && o.spec?.ports?.some((p) => p.name === "http"));
  if (api?.spec?.ports?.find((p) => p.name === "http")?.appProtocol === undefined) {
    problems.push("the API Service's port has no appProtocol");
  }
  const otel = Object.keys(env).filter((k) => k.startsWith("OTEL_")).length;
  const kinds = objects.map((o) => o.kind).join(", ");
  const summary = `${objects.length} objects (${kinds}); ${Object.keys(env).length - otel} variables read by config.ts + ${otel} OTEL_*`;
  return { problems, summary };
}

/** The container's environment, every secretKeyRef resolved (placeholders for Secrets not rendered). */
function environmentOf(container: Container, secrets: Map<string, Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    const data = ref === undefined ? undefined : secrets.get(ref.name);
    if (ref === undefined) env[e.name] = e.value ?? "";
    else if (data !== undefined) env[e.name] = Buffer.from(data[ref.key] ?? "", "base64").toString("utf8");
    else env[e.name] = placeholders[e.name] ?? placeholders[e.name.replace(/_\d$/, "")] ?? "placeholder";
  }
  return env;
}

/** loadConfig accepts the environment and reads every variable in it (OTEL_* aside: the SDK's). */
function checkEnvironment(env: Record<string, string>, container: Container) {
  const problems: string[] = [];
  // A file variable must name a file in a mounted volume; loadConfig then reads a stand-in.
  const fcm = env.FCM_SERVICE_ACCOUNT_FILE;
  const tried = { ...env };
  if (fcm !== undefined) {
    if (!container.volumeMounts?.some((m) => fcm.startsWith(`${m.mountPath.replace(/\/$/, "")}/`))) {
      problems.push(`FCM_SERVICE_ACCOUNT_FILE ${fcm} is in no mounted volume`);
    }
    tried.FCM_SERVICE_ACCOUNT_FILE = fakeServiceAccount;
  }
  const checked = checkHeraldEnvironment(tried);
  problems.push(...checked.problems);
  return { problems, config: checked.config };
}

/** Ports where Herald listens, metrics off loopback, the README's probes, a hardened pod. */
function checkPod(pod: PodTemplate, container: Container, config: Config | undefined): string[] {
  const problems: string[] = [];
  const say = (message: string) => problems.push(message);
  const port = (name: string) => container.ports?.find((p) => p.name === name)?.containerPort;
  const metrics = port("metrics");
  if (config !== undefined) {
    const { metricsEnabled, metricsPort, metricsHost } = config.telemetry;
    if (port("http") !== config.server.port)
      say(`port http is ${port("http")}; Herald listens on ${config.server.port}`);
    if (metrics !== undefined && (!metricsEnabled || metrics !== metricsPort)) {
      say(`port metrics is ${metrics}; Herald serves metrics ${metricsEnabled ? `on ${metricsPort}` : "nowhere"}`);
    }
    if (metrics !== undefined && /^(127\.|::1$|localhost$)/.test(metricsHost)) {
      say(`declares port metrics, but METRICS_HOST ${metricsHost} keeps metrics on loopback`);
    }
  }
  if (container.readinessProbe?.httpGet?.path !== "/readyz") say("the readiness probe does not ask /readyz");
  if (container.livenessProbe?.httpGet?.path !== "/healthz") say("the liveness probe does not ask /healthz");
  const podSecurity = pod.spec.securityContext;
  const security = container.securityContext;
  if (podSecurity?.runAsNonRoot !== true || podSecurity.runAsUser !== 1000) {
    say("the pod does not run as the image's node user (1000)");
  }
  if (podSecurity?.seccompProfile?.type !== "RuntimeDefault") say("the pod has no RuntimeDefault seccomp profile");
  if (security?.readOnlyRootFilesystem !== true || security.allowPrivilegeEscalation !== false) {
    say("the container's root filesystem is writable or it may escalate privileges");
  }
  if (!security?.capabilities?.drop?.includes("ALL")) say("the container keeps Linux capabilities");
  if (pod.spec.enableServiceLinks !== false) say("enableServiceLinks is not false");
  if (pod.spec.automountServiceAccountToken !== false) say("the pod mounts a service account token");
  return problems;
}

/** Renders, lints and checks one values file; the rendered YAML and a summary, or undefined. */
function checkValuesFile(file: string): { yaml: string; summary: string } | undefined {
  const name = relative(file);
  // Lint renders NOTES.txt too, which `helm template` leaves out.
  const lint = run(helm, ["lint", "--strict", "--namespace", namespace, "-f", file, chart]);
  if (lint.status !== 0) problem(`${name}: helm lint --strict fails:\n${lint.stdout}${lint.stderr}`);
  const rendered = render(file);
  if (rendered.status !== 0) {
    problem(`${name}: helm template fails:\n${rendered.stderr}`);
    return undefined;
  }
  const checked = run(kubeCheck, ["-json", "-"], rendered.stdout);
  if (checked.status !== 0) {
    problem(`${name}: ${checked.stderr.trim()}`);
    return undefined;
  }
  const release = checkRelease(JSON.parse(checked.stdout) as KubeObject[]);
  for (const p of release.problems) problem(`${name}: ${p}`);
  return { yaml: rendered.stdout, summary: `${name}: ${release.summary}` };
}

// --- Chart.yaml --------------------------------------------------------------

const appVersion = /^appVersion:\s*"?([^"\s]+)"?\s*$/m.exec(readFileSync(path.join(chart, "Chart.yaml"), "utf8"))?.[1];
const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
if (appVersion !== version) problem(`Chart.yaml's appVersion is ${appVersion}, package.json's version ${version}`);

// --- accepted values files -----------------------------------------------------

const accepted = valuesFiles(path.join(chart, "ci")).map((file) => [file, checkValuesFile(file)] as const);
const allOn = accepted.find(([file]) => file.endsWith("all-on-values.yaml"));
if (allOn === undefined) problem("ci/all-on-values.yaml is missing: the broken copies below are made from it");

// --- rejected values files -------------------------------------------------------

const rejected = valuesFiles(path.join(chart, "ci/rejected"));
for (const file of rejected) {
  const expect = /^# expect: (.+)$/m.exec(readFileSync(file, "utf8"))?.[1]?.trim();
  const result = render(file);
  if (expect === undefined) problem(`${relative(file)} has no "# expect: <part of the error>" line`);
  else if (result.status === 0) problem(`${relative(file)} renders, but should be refused with: ${expect}`);
  else if (!result.stderr.includes(expect)) {
    problem(`${relative(file)} is refused, but not with "${expect}":\n${result.stderr.trim()}`);
  }
}

// --- broken copies: the checks must catch each -------------------------------

interface Breakage {
  what: string;
  from: RegExp;
  to: string;
  expect: string;
}
// Each edits the all-on release in one place; `from` must match exactly once.
const breakages: Breakage[] = [
  {
    what: "a misspelt field",
    from: /readOnlyRootFilesystem: true/,
    to: "readOnlyRootFilesytem: true",
    expect: 'unknown field "spec.template.spec.containers[0].securityContext.readOnlyRootFilesytem"',
  },
  {
    what: "a string where a number belongs",
    from: /containerPort: 8080/,
    to: 'containerPort: "8080"',
    expect: "cannot unmarshal string into Go struct field ContainerPort",
  },
  {
    what: "an unknown kind",
    from: /kind: ServiceMonitor/,
    to: "kind: ServiceMonitr",
    expect: 'no kind "ServiceMonitr"',
  },
  {
    what: "pod labels the Deployment's selector misses",
    from: /(template:\n {4}metadata:\n {6}labels:\n {8}app\.kubernetes\.io\/name: )herald/,
    to: "$1heralt",
    expect: "does not match the pod template's labels",
  },
  {
    what: "a Service selecting no pods",
    from: /(kind: Service\n(?:.*\n)*?spec:\n {2}type: LoadBalancer\n {2}selector:\n {4}app\.kubernetes\.io\/name: )herald/,
    to: "$1heralt",
    expect: "selects the pods of no workload",
  },
  {
    what: "a PodDisruptionBudget selecting no pods",
    from: /(maxUnavailable: 25%\n {2}selector:\n {4}matchLabels:\n {6}app\.kubernetes\.io\/name: )herald/,
    to: "$1heralt",
    expect: "selects the pods of no workload",
  },
  {
    what: "a probe on an undeclared port",
    from: /(readinessProbe:\n {12}httpGet:\n {14}path: \/readyz\n {14}port: )http/,
    to: "$1htpp",
    expect: "readinessProbe: port htpp is not one of the container's ports",
  },
  {
    what: "an HPA aimed at another Deployment",
    from: /(scaleTargetRef:\n(?: {4}.*\n){2} {4}name: )herald-api/,
    to: "$1herald-ap",
    expect: "Deployment/herald-ap names no workload",
  },
  {
    what: "replicas beside an HPA",
    from: /(\nkind: Deployment\n(?:.*\n)*?spec:\n)/,
    to: "$1  replicas: 3\n",
    expect: "sets spec.replicas while this HPA scales it",
  },
  {
    what: "a grace period shorter than Herald's drain",
    from: /terminationGracePeriodSeconds: \d+/,
    to: "terminationGracePeriodSeconds: 40",
    expect: "terminationGracePeriodSeconds 40 must exceed",
  },
  {
    what: "a ServiceMonitor scraping a port the Service lacks",
    from: /- port: metrics\n/,
    to: "- port: metric\n",
    expect: 'endpoints[0].port "metric" is not a port name',
  },
  {
    what: "an env reference to a key the Secret lacks",
    from: /key: SMTP_URL_2/,
    to: "key: SMTP_URL_3",
    expect: 'Secret "herald-api" has no key "SMTP_URL_3"',
  },
  { what: "a container without image", from: /image: "registry[^"]*"/, to: 'image: ""', expect: "no image" },
];
if (allOn?.[1] !== undefined) {
  const yaml = allOn[1].yaml;
  for (const b of breakages) {
    const matches = yaml.match(new RegExp(b.from.source, "g"))?.length ?? 0;
    if (matches !== 1) {
      problem(`broken copy "${b.what}": its pattern matches ${matches} times in the all-on release; update it`);
      continue;
    }
    const result = run(kubeCheck, ["-"], yaml.replace(b.from, b.to));
    if (result.status === 0) problem(`kube-check accepts ${b.what}`);
    else if (!result.stderr.includes(b.expect)) {
      problem(`kube-check refuses ${b.what}, but without "${b.expect}":\n${result.stderr.trim()}`);
    }
  }
}
const envBreakages = [
  { what: "a variable Herald does not read", env: { HERALD_NOT_A_SETTING: "1" }, expect: "HERALD_NOT_A_SETTING" },
  { what: "a value Herald refuses", env: { DATABASE_POOL_MAX: "1" }, expect: "DATABASE_POOL_MAX must be" },
  { what: "metrics on loopback", env: { METRICS_HOST: "127.0.0.1" }, expect: "keeps metrics on loopback" },
];
// The environment check, on releases that render and decode fine: the minimal
// values (no extraEnv of their own) plus one variable, and exactly one problem.
const minimal = accepted.find(([file]) => file.endsWith("minimal-values.yaml"));
if (minimal?.[1] === undefined)
  problem("ci/minimal-values.yaml is missing or fails: the environment's broken copies use it");
else {
  for (const b of envBreakages) {
    const extra = Object.entries(b.env).map(([name, value]) => ({ name, value }));
    const rendered = render(minimal[0], "--set-json", `extraEnv=${JSON.stringify(extra)}`);
    const checked = run(kubeCheck, ["-json", "-"], rendered.stdout);
    const found = checked.status === 0 ? checkRelease(JSON.parse(checked.stdout) as KubeObject[]).problems : [];
    if (found.length !== 1 || !found[0]?.includes(b.expect)) {
      problem(`the environment check misses ${b.what} (${rendered.stderr}${checked.stderr}${found.join("; ")})`);
    }
  }
}

// --- summary -----------------------------------------------------------------

rmSync(tmp, { recursive: true, force: true });
if (problems.length > 0) {
  console.error(`check-helm: ${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`);
  process.exit(1);
}
console.log(
  [
    `check-helm: ok in ${((Date.now() - started) / 1000).toFixed(1)} s (${helm}, Kubernetes ${helmKubeVersion.major}.${helmKubeVersion.minor})`,
    ...accepted.map(([, r]) => `  ${r?.summary}`),
    `  refused as expected: ${rejected.map((f) => path.basename(f, ".yaml")).join(", ")}`,
    `  broken copies caught: ${breakages.length} by kube-check, ${envBreakages.length} by the environment check`,
  ].join("\n"),
);
