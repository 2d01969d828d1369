import type { Stack } from "./stack.js";

/** One line of the results table. */
export interface ResultRow {
  /** What was varied or measured, e.g. "c=32" or "first page". */
  setting: string;
  /** The headline rate, or null where a rate means nothing (idle streams). */
  throughput: { value: number; unit: string } | null;
  /** Milliseconds; null where there is no per-operation latency. */
  latencyMs: { p50: number; p95: number; p99: number } | null;
  /** The target in words ("p99 <= 10 ms"), or "" for context rows (pgbench). */
  target: string;
  /** Whether the target was met; null for rows without one. */
  met: boolean | null;
  /** The number the target is about, for the chart. */
  key?: KeyNumber;
}

/** A measured number and its target, drawn as a bar against the target in the chart. */
export interface KeyNumber {
  label: string;
  value: number;
  target: number;
  unit: string;
  /** True for rates (more is better), false for latencies and memory. */
  higherIsBetter: boolean;
}

export interface ScenarioOutcome {
  rows: ResultRow[];
  /** Everything else measured, kept in the JSON. */
  details: Record<string, unknown>;
  /** How it was measured, for the markdown under the table. */
  notes: string[];
}

export interface ScenarioContext {
  stack: Stack;
  /** Shorter runs and smaller data, for developing the harness. */
  quick: boolean;
  /** Notifications to load for the List scenario. */
  listRows: number;
  /** Where to put Herald's CPU profile for a scenario, if profiling was asked for. */
  cpuProfDir(name: string): string | undefined;
  /** Prints a line of progress. */
  log(text: string): void;
}

export interface Scenario {
  id: number;
  title: string;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

/** Formats a number for tables: 1234 -> "1,234", 12.34 -> "12.3", 0.234 -> "0.23". */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (x === 0) return "0";
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString("en-US");
  if (Math.abs(x) < 1) return x.toFixed(2);
  return (Math.round(x * 10) / 10).toLocaleString("en-US");
}
