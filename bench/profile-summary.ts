// Where a Herald CPU profile (from `npm run bench -- --cpu-prof`) spends its time:
// self time by package or source file, self time by function, and total (inclusive)
// time of Herald's own functions.
//   npx tsx bench/profile-summary.ts bench/profiles/<stamp>/<scenario>/CPU...cpuprofile [--top 25]
//     [--callers writev,writeBuffer]   (who calls these functions)
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `node_modules/<package>`, a file under src/ or gen/, `node:*` internals, or a V8 marker. */
function owner(url: string, name: string): string {
  if (url === "") return `(${name || "anonymous"})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const own = /\/((?:src|gen|bench)\/.*)$/.exec(url);
  if (own) return own[1] as string;
  return url.startsWith("node:") ? url : url.replace(/^file:\/\//, "");
}

export function summarizeProfile(profile: Profile, top: number, callersOf: string[] = []): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const idleMs = profile.nodes
    .filter((n) => n.callFrame.functionName === "(idle)")
    .reduce((a, n) => a + (selfMs.get(n.id) ?? 0), 0);
  const busyMs = totalMs - idleMs;

  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const n of profile.nodes) {
    const ms = selfMs.get(n.id) ?? 0;
    if (ms === 0 || n.callFrame.functionName === "(idle)") continue;
    const o = owner(n.callFrame.url, n.callFrame.functionName);
    add(byOwner, o, ms);
    add(byFunction, `${n.callFrame.functionName || "(anonymous)"}  ${o}:${n.callFrame.lineNumber + 1}`, ms);
  }
  // Inclusive time of Herald's functions (src/), counting each stack once per function.
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const n = byId.get(id) as ProfileNode;
    let ms = selfMs.get(id) ?? 0;
    const o = owner(n.callFrame.url, n.callFrame.functionName);
    const key = o.startsWith("src/")
      ? `${n.callFrame.functionName || "(anonymous)"}  ${o}:${n.callFrame.lineNumber + 1}`
      : null;
    const fresh = key !== null && !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const child of n.children ?? []) ms += walk(child, onStack);
    if (fresh) {
      onStack.delete(key);
      add(inclusive, key, ms);
    }
    return ms;
  };
  const root = profile.nodes[0];
  if (root !== undefined) walk(root.id, new Set());

  // For functions named in --callers: which of Herald's or a package's frames led to them.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const callerTables = callersOf.map((name) => {
    const m = new Map<string, number>();
    for (const n of profile.nodes) {
      if (n.callFrame.functionName !== name) continue;
      const chain: string[] = [];
      for (let p = parent.get(n.id); p !== undefined && chain.length < 3; p = parent.get(p)) {
        const f = byId.get(p) as ProfileNode;
        const o = owner(f.callFrame.url, f.callFrame.functionName);
        if (o.startsWith("node:") || o.startsWith("(")) continue;
        if (chain.at(-1) !== o) chain.push(o);
      }
      add(m, chain.join(" < ") || "(no caller)", selfMs.get(n.id) ?? 0);
    }
    return { name, m };
  });

  const table = (title: string, m: Map<string, number>) => {
    const rows = [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
    return [
      `${title}`,
      ...rows.map(([k, v]) => `  ${v.toFixed(0).padStart(7)} ms ${((v / busyMs) * 100).toFixed(1).padStart(5)}%  ${k}`),
    ].join("\n");
  };
  return [
    `profile: ${(totalMs / 1000).toFixed(1)} s, busy ${(busyMs / 1000).toFixed(1)} s (${((busyMs / totalMs) * 100).toFixed(0)}%); percentages are of busy time`,
    "",
    table("Self time by package / file:", byOwner),
    "",
    table("Self time by function:", byFunction),
    "",
    table("Total time (self + callees) of Herald's functions (src/):", inclusive),
    ...callerTables.flatMap(({ name, m }) => [
      "",
      table(`Self time of ${name}, by the nearest package or file calling it:`, m),
    ]),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("profile-summary.ts")) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" }, callers: { type: "string", default: "" } },
  });
  for (const file of positionals) {
    console.log(`== ${file}`);
    const callers = values.callers.split(",").filter((c) => c !== "");
    console.log(summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as Profile, Number(values.top), callers));
  }
}
