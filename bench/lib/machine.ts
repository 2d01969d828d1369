import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

/** What the numbers were measured on. */
export interface MachineInfo {
  cores: number;
  ramGiB: number;
  cpuModel: string;
  node: string;
  os: string;
}

export function machineInfo(): MachineInfo {
  return {
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown CPU",
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

/** First line of `<bin> <args>`, or "unknown" (a version string for the report). */
export function commandVersion(bin: string, args: string[]): string {
  try {
    return execFileSync(bin, args, { timeout: 10_000 }).toString().split("\n")[0]?.trim() || "unknown";
  } catch {
    return "unknown";
  }
}

const ticksPerSecond = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  try {
    // The command name may hold spaces; fields count from the closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process in KiB, from /proc/<pid>/status (VmRSS). */
export function residentKiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Busy and total CPU time of the whole machine so far, in ticks, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  const total = t.reduce((a, b) => a + b, 0);
  const idle = (t[3] ?? 0) + (t[4] ?? 0);
  return { busy: total - idle, total };
}

/** Pids of a process and all its descendants (Postgres: the postmaster and its backends). */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  for (const queue = [rootPid]; queue.length > 0; ) {
    const pid = queue.pop() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Pids whose command line contains `needle` (finds nats-server and Mailpit by their data folders). */
export function pidsByCommandLine(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(needle)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Named groups of processes whose CPU use a window adds up (pids are looked up at both ends). */
export type ProcessGroups = Record<string, () => number[]>;

export interface CpuWindow {
  /**
   * Ends the window: CPU use of each group and of the whole machine, in percent
   * of one core (200 = both cores of a 2-core machine), plus `other`: what the
   * machine did besides the groups and this harness (other people's work on a
   * shared machine, kernel threads).
   */
  stop(): Record<string, number>;
}

/** Every window's result since the last takeCpuLog(), so the harness can report noise per scenario. */
let cpuLog: Array<Record<string, number>> = [];

export function takeCpuLog(): Array<Record<string, number>> {
  const out = cpuLog;
  cpuLog = [];
  return out;
}

export function cpuWindow(measured: ProcessGroups): CpuWindow {
  // The orchestrator's own CPU (polling, reading /proc) is not "other" work.
  const groups: ProcessGroups = { ...measured, harness: () => [process.pid] };
  const started = performance.now();
  const sample = () =>
    Object.fromEntries(
      Object.entries(groups).map(([name, pids]) => [name, new Map(pids().map((p) => [p, processCpuSeconds(p)]))]),
    );
  const before = sample();
  // Processes that exit inside the window (pgbench, its Postgres backends) take
  // their counters with them: keep the last reading of every pid seen.
  const last = sample();
  const poll = () => {
    for (const [name, pids] of Object.entries(sample())) {
      for (const [pid, cpu] of pids) if (Number.isFinite(cpu)) last[name]?.set(pid, cpu);
    }
  };
  const timer = setInterval(poll, 250);
  timer.unref();
  const machine0 = machineTicks();
  return {
    stop() {
      clearInterval(timer);
      poll();
      const seconds = (performance.now() - started) / 1000;
      const machine1 = machineTicks();
      const busyShare = (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total);
      const out: Record<string, number> = { machine: Math.round(busyShare * os.cpus().length * 100) };
      let known = 0;
      for (const [name, pids] of Object.entries(last)) {
        let used = 0;
        for (const [pid, cpu] of pids) {
          const prior = before[name]?.get(pid) ?? 0; // started inside the window: all of it counts
          if (Number.isFinite(cpu) && Number.isFinite(prior)) used += cpu - prior;
        }
        out[name] = Math.round((used / seconds) * 100);
        known += out[name] as number;
      }
      out.other = Math.max(0, (out.machine as number) - known);
      cpuLog.push(out);
      return out;
    },
  };
}

/** "herald 55%, postgres 90%, ... (machine 199% of 200%)" */
export function formatCpu(cpu: Record<string, number>): string {
  const { machine, ...parts } = cpu;
  const cores = os.cpus().length * 100;
  return `CPU ${Object.entries(parts)
    .map(([k, v]) => `${k} ${v}%`)
    .join(", ")} (machine ${machine}% of ${cores}%)`;
}
