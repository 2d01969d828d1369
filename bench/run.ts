// The Herald benchmark harness: starts Postgres (fsync on) and nats-server once,
// runs each scenario against a fresh Herald process with load generators in
// processes of their own, and writes bench/results/<stamp>.{json,md,svg} and
// latest.{json,md,svg}.
// Scenarios 3 and 4 also measure the peer, Centrifugo, beside Herald.
//   npm run bench [-- --only 1,3] [--quick] [--list-rows 1000000] [--cpu-prof] [--no-peer]
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { centrifugoName, ensureCentrifugo } from "./lib/centrifugo.js";
import { cleanupAll, exitCleanlyOnSignals, interrupted } from "./lib/cleanup.js";
import { machineInfo, takeCpuLog } from "./lib/machine.js";
import { type RunReport, renderTable, type ScenarioReport, stampOf, writeReport } from "./lib/report.js";
import { type Scenario, type ScenarioContext, ScenarioFailure } from "./lib/scenario.js";
import { repoRoot, startStack } from "./lib/stack.js";
import { bulkSend } from "./scenarios/bulk-send.js";
import { consoleSearch } from "./scenarios/console-search.js";
import { emailThroughput } from "./scenarios/email-throughput.js";
import { fairTenants } from "./scenarios/fair-tenants.js";
import { feedLatency } from "./scenarios/feed-latency.js";
import { idleStreams } from "./scenarios/idle-streams.js";
import { inboxMarks } from "./scenarios/inbox-marks.js";
import { listLatency } from "./scenarios/list-latency.js";
import { scaleOut } from "./scenarios/scale-out.js";
import { sendVsPgbench } from "./scenarios/send-vs-pgbench.js";
import { streamingIngest } from "./scenarios/streaming-ingest.js";
import { topicFanout } from "./scenarios/topic-fanout.js";
import { underAttack } from "./scenarios/under-attack.js";
import { workflowTimers } from "./scenarios/workflow-timers.js";

export const scenarios: Scenario[] = [
  sendVsPgbench,
  bulkSend,
  feedLatency,
  idleStreams,
  listLatency,
  emailThroughput,
  underAttack,
  workflowTimers,
  scaleOut,
  consoleSearch,
  streamingIngest,
  topicFanout,
  fairTenants,
  inboxMarks,
];

export interface BenchOptions {
  /** Scenario ids to run; all when empty. */
  only: number[];
  quick: boolean;
  /** Notifications loaded for scenario 5 (default 10,000,000; 1,000,000 with --quick). */
  listRows: number;
  /** Write Herald CPU profiles to bench/profiles/<stamp>/. */
  cpuProf: boolean;
  /** Where results go. */
  resultsDir: string;
  /** Run the peer (Centrifugo) beside Herald in scenarios 3 and 4; false with --no-peer. */
  peer: boolean;
}

/** The scenarios that measure the peer beside Herald. */
const peerScenarios = [3, 4];

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      "list-rows": { type: "string" },
      "cpu-prof": { type: "boolean", default: false },
      "results-dir": { type: "string" },
      "no-peer": { type: "boolean", default: false },
    },
  });
  const only = (values.only ?? "")
    .split(",")
    .filter((s) => s.trim() !== "")
    .map(Number);
  const bad = only.filter((id) => !scenarios.some((s) => s.id === id));
  if (bad.length > 0) throw new Error(`--only: no scenario ${bad.join(", ")} (there are 1 to ${scenarios.length})`);
  const listRows = Number(values["list-rows"] ?? (values.quick ? 1_000_000 : 10_000_000));
  if (!Number.isInteger(listRows) || listRows < 10_000 || listRows > 50_000_000 || listRows % 100 !== 0) {
    throw new Error("--list-rows must be a multiple of 100 from 10,000 to 50,000,000");
  }
  return {
    only,
    quick: values.quick,
    listRows,
    cpuProf: values["cpu-prof"],
    resultsDir: values["results-dir"] ?? path.join(repoRoot, "bench/results"),
    peer: !values["no-peer"],
  };
}

export async function runBench(options: BenchOptions, command: string): Promise<RunReport> {
  exitCleanlyOnSignals();
  const started = performance.now();
  const loadAverageBefore = os.loadavg()[0] ?? 0;
  const date = new Date().toISOString();
  const stamp = stampOf(date);
  const selected = scenarios.filter((s) => options.only.length === 0 || options.only.includes(s.id));
  const reports: ScenarioReport[] = [];
  let report: RunReport | undefined;
  const withPeer = options.peer && selected.some((s) => peerScenarios.includes(s.id));
  try {
    // Compiled on first use (minutes): before any scenario, not between Herald's run and the peer's.
    if (withPeer) await ensureCentrifugo();
    console.error(`Starting Postgres (fsync on) and nats-server on 127.0.0.1...`);
    const stack = await startStack();
    console.error(`  ${stack.versions.postgres}; ${stack.versions.natsServer}; ${stack.versions.pgbench}`);
    const ctx: ScenarioContext = {
      stack,
      quick: options.quick,
      peer: options.peer,
      listRows: options.listRows,
      cpuProfDir: (name) => (options.cpuProf ? path.join(repoRoot, "bench/profiles", stamp, name) : undefined),
      log: (text) => console.error(`  ${text}`),
    };
    for (const scenario of selected) {
      if (interrupted()) break;
      const t0 = performance.now();
      console.error(`\n[${scenario.id}] ${scenario.title}`);
      const entry: ScenarioReport = {
        id: scenario.id,
        title: scenario.title,
        elapsedSeconds: 0,
        rows: [],
        details: {},
        notes: [],
        otherCpuMaxPct: 0,
      };
      takeCpuLog();
      try {
        Object.assign(entry, await scenario.run(ctx));
      } catch (error) {
        if (error instanceof ScenarioFailure) entry.details = error.details;
        entry.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
        console.error(`  FAILED: ${entry.error}`);
      }
      entry.elapsedSeconds = Math.round((performance.now() - t0) / 100) / 10;
      entry.otherCpuMaxPct = Math.max(0, ...takeCpuLog().map((w) => w.other ?? 0));
      console.error(`[${scenario.id}] done in ${entry.elapsedSeconds} s (total ${elapsed(started)} s)`);
      reports.push(entry);
    }
    report = {
      date,
      command,
      machine: machineInfo(),
      versions: { ...stack.versions, ...(withPeer && { centrifugo: centrifugoName }) },
      options: { ...options, resultsDir: path.relative(repoRoot, options.resultsDir) },
      totalSeconds: 0,
      loadAverageBefore,
      scenarios: reports,
    };
  } finally {
    await cleanupAll();
  }
  if (interrupted()) return report;
  report.totalSeconds = elapsed(started);
  // latest.* is what the README links: only a full, default run replaces it.
  const full = options.only.length === 0 && !options.quick && options.listRows === 10_000_000 && options.peer;
  const files = writeReport(report, options.resultsDir, full);
  console.log(`\n${renderTable(report)}`);
  console.error(`\nTotal ${report.totalSeconds} s. Wrote ${files.map((f) => path.relative(repoRoot, f)).join(", ")}`);
  return report;
}

const elapsed = (since: number) => Math.round((performance.now() - since) / 100) / 10;

/** Runs the harness as a command: `npm run bench -- <flags>`, or a wrapper with fixed flags. */
export function main(argv: string[], command: string): void {
  let options: BenchOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  runBench(options, command).then(
    (report) => {
      // After a signal, the signal handler exits once everything is stopped.
      if (!interrupted()) process.exit(report.scenarios.some((s) => s.error !== undefined) ? 1 : 0);
    },
    async (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      await cleanupAll();
      process.exit(1);
    },
  );
}

if (import.meta.url === pathToFileURL(path.resolve(process.argv[1] ?? "")).href) {
  const argv = process.argv.slice(2);
  main(argv, ["npm run bench", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" "));
}
