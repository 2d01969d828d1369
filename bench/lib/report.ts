import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { MachineInfo } from "./machine.js";
import { fmt, keyRatio, type ResultRow, targetRows } from "./scenario.js";
import { renderSvg } from "./svg.js";

export interface ScenarioReport {
  id: number;
  title: string;
  elapsedSeconds: number;
  rows: ResultRow[];
  details: Record<string, unknown>;
  notes: string[];
  /**
   * Most CPU (percent of one core) that processes other than the benchmark's
   * used during any measured window of this scenario: other people's work on a
   * shared machine, which skews the results.
   */
  otherCpuMaxPct: number;
  /** Set when the scenario failed; its rows are whatever it had measured. */
  error?: string;
}

export interface RunReport {
  date: string;
  command: string;
  machine: MachineInfo;
  versions: Record<string, string>;
  options: Record<string, unknown>;
  totalSeconds: number;
  /** The machine's 1-minute load average before the harness started anything. */
  loadAverageBefore: number;
  scenarios: ScenarioReport[];
}

/**
 * Writes `<stamp>.json`, `.md` and `.svg` into `dir` and, for a full run,
 * copies them to `latest.*`. Returns the paths written.
 */
export function writeReport(report: RunReport, dir: string, updateLatest: boolean): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = stampOf(report.date);
  const files = {
    json: `${JSON.stringify(report, null, 2)}\n`,
    md: renderMarkdown(report, stamp),
    svg: renderSvg(report),
  };
  const written: string[] = [];
  for (const [ext, content] of Object.entries(files)) {
    const file = path.join(dir, `${stamp}.${ext}`);
    writeFileSync(file, content);
    written.push(file);
    if (updateLatest) {
      copyFileSync(file, path.join(dir, `latest.${ext}`));
      written.push(path.join(dir, `latest.${ext}`));
    }
  }
  return written;
}

/** `2026-11-24T11:50:07.123Z` -> `2026-11-24-1150` (UTC): names the files of one run. */
export function stampOf(isoDate: string): string {
  return isoDate.slice(0, 16).replace(":", "").replace("T", "-");
}

const ms = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(x < 10 ? 2 : 1));

export function renderMarkdown(report: RunReport, stamp: string): string {
  const m = report.machine;
  const lines = [
    `# Herald benchmark, ${report.date.slice(0, 16).replace("T", " ")} UTC`,
    "",
    `- Machine: ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.cpuModel} (${m.os})`,
    `- Node ${m.node}; ${Object.values(report.versions).join("; ")}`,
    `- Command: \`${report.command}\``,
    `- Total runtime: ${fmt(report.totalSeconds)} s (${report.scenarios.map((s) => `${s.id}: ${fmt(s.elapsedSeconds)} s`).join(", ")})`,
    "- Every process (Herald, Centrifugo in 3 and 4, the load generator, Postgres with fsync on, nats-server, Mailpit, pgbench) shares the same cores.",
    `- Load average before the run: ${report.loadAverageBefore.toFixed(2)}. Most CPU used by anything else on the machine (other people's work, kernel threads) during a measured window, per scenario (% of one core): ${report.scenarios.map((s) => `${s.id}: ${s.otherCpuMaxPct}%`).join(", ")}`,
    "",
    "## Targets",
    "",
    renderTargets(report),
    "",
    "## Every result",
    "",
    renderResults(report),
    "",
    `![Chart](${stamp}.svg)`,
    "",
    "## How each was measured",
    "",
  ];
  for (const s of report.scenarios) {
    lines.push(`**${s.id}. ${s.title}** (${fmt(s.elapsedSeconds)} s)`, "");
    for (const n of s.notes) lines.push(`- ${n}`);
    if (s.error !== undefined) lines.push(`- **Failed:** ${s.error.split("\n")[0]}`);
    lines.push("");
  }
  lines.push("Raw numbers, including CPU use of Herald and of the machine per run: the `.json` next to this file.", "");
  return lines.join("\n");
}

const met = (m: boolean | null) => (m === null ? "" : m ? "✓ yes" : "✗ no");

/**
 * The targets, one line each: the target, Herald's figure, the peer's figure
 * (pgbench, Centrifugo) where the target has one, the ratio (Herald / peer, or
 * Herald / the fixed target) and whether it was met.
 */
export function renderTargets(report: RunReport): string {
  const lines = ["| Target | Herald | Peer | Ratio | Met? |", "| --- | ---: | ---: | ---: | :---: |"];
  for (const { row, key } of targetRows(report.scenarios)) {
    const ratio = keyRatio(key);
    const herald = `${fmt(key.value)}${key.unit}`;
    let peer = "—";
    let ratioText = `${fmt(ratio)}× target`;
    if (key.peer !== undefined) {
      peer =
        key.peer.value === null
          ? `${key.peer.name}: no peer figure (${key.peer.missing ?? "none"})`
          : `${fmt(key.peer.value)}${key.unit} (${key.peer.name})`;
      ratioText = Number.isNaN(ratio) ? "—" : `${ratio.toFixed(2)}× (${key.higherIsBetter ? "≥" : "≤"} ${key.target}×)`;
    }
    lines.push(`| ${key.label}: ${row.target} | ${herald} | ${peer} | ${ratioText} | ${met(row.met)} |`);
  }
  return lines.join("\n");
}

/** The targets and the results tables (also printed at the end of a run). */
export function renderTable(report: RunReport): string {
  return `${renderTargets(report)}\n\n${renderResults(report)}`;
}

/** Every row measured. */
export function renderResults(report: RunReport): string {
  const lines = [
    "| Scenario | Setting | Throughput | p50 ms | p95 ms | p99 ms | Target | Met? |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- | :---: |",
  ];
  for (const s of report.scenarios) {
    if (s.error !== undefined && s.rows.length === 0) {
      lines.push(`| ${s.id}. ${s.title} | failed: ${s.error.split("\n")[0]} | | | | | | ✗ |`);
    }
    for (const r of s.rows) {
      const tp = r.throughput === null ? "—" : `${fmt(r.throughput.value)} ${r.throughput.unit}`;
      lines.push(
        `| ${s.id}. ${s.title} | ${r.setting} | ${tp} | ${ms(r.latencyMs?.p50)} | ${ms(r.latencyMs?.p95)} | ${ms(r.latencyMs?.p99)} | ${r.target} | ${met(r.met)} |`,
      );
    }
  }
  return lines.join("\n");
}
