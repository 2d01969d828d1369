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

/**
 * A target's line in the targets table and its bar in the chart: Herald's
 * figure against a fixed number, or, with `peer`, Herald's figure divided by
 * the peer's in the same run against a ratio.
 */
export interface KeyNumber {
  label: string;
  /** Herald's figure. */
  value: number;
  /** The fixed target, or with `peer` the ratio Herald/peer must stay within. */
  target: number;
  unit: string;
  /** True for rates (more is better), false for latencies and memory. */
  higherIsBetter: boolean;
  peer?: PeerFigure;
}

/** The figure of what Herald is compared with (pgbench, Centrifugo), in the same unit as Herald's. */
export interface PeerFigure {
  name: string;
  /** Null when there is none: the peer was skipped or failed (`missing` says which). */
  value: number | null;
  missing?: string;
}

/** Every row that has a target's key number, in scenario order. */
export function targetRows(scenarios: Array<{ rows: ResultRow[] }>): Array<{ row: ResultRow; key: KeyNumber }> {
  return scenarios.flatMap((s) => s.rows.flatMap((row) => (row.key === undefined ? [] : [{ row, key: row.key }])));
}

/** Herald's figure over the peer's, or over the fixed target; NaN without a peer figure. */
export function keyRatio(key: KeyNumber): number {
  if (key.peer === undefined) return key.value / key.target;
  return key.peer.value === null ? Number.NaN : key.value / key.peer.value;
}

export interface ScenarioOutcome {
  rows: ResultRow[];
  /** Everything else measured, kept in the JSON. */
  details: Record<string, unknown>;
  /** How it was measured, for the markdown under the table. */
  notes: string[];
}

/**
 * A scenario that failed after measuring part of what it set out to (the
 * peer's run before Herald's failed): `details` go into the JSON beside the error.
 */
export class ScenarioFailure extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ScenarioFailure";
  }
}

export interface ScenarioContext {
  stack: Stack;
  /** Shorter runs and smaller data, for developing the harness. */
  quick: boolean;
  /** Whether to run the peer (Centrifugo) beside Herald in scenarios 3 and 4 (off with --no-peer). */
  peer: boolean;
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
