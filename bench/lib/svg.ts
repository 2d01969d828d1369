import type { RunReport } from "./report.js";
import { fmt, type KeyNumber, keyRatio, targetRows } from "./scenario.js";

/**
 * The chart, written by hand: left, Herald's Send/s next to pgbench's tx/s per
 * concurrency (scenario 1); right, each target: Herald's figure, or its ratio
 * to the peer's (pgbench, Centrifugo), as a share of what the target allows
 * (the dashed line is the target; green met, red missed, grey no verdict).
 */
const width = 960;
const height = 500;
const colors = {
  herald: "#2f6fbd",
  pgbench: "#9aa3ad",
  met: "#2e9e5b",
  missed: "#d0453a",
  axis: "#444",
  grid: "#e3e6ea",
};

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const text = (x: number, y: number, s: string, attrs = "") =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;

function niceMax(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= x) ?? 10) * p;
}

interface SendRun {
  concurrency: number;
  herald: { callsPerSecond: number };
  pgbench: { tps: number };
}

function sendPanel(runs: SendRun[]): string {
  const x0 = 60;
  const x1 = 390;
  const y0 = 440; // baseline
  const y1 = 80; // top of the scale
  const out = [text(20, 40, "1. Unary Send vs pgbench, per second", 'font-size="15" font-weight="bold"')];
  if (runs.length === 0) return [...out, text(x0, 200, "not run")].join("\n");
  const max = niceMax(Math.max(...runs.flatMap((r) => [r.herald.callsPerSecond, r.pgbench.tps])));
  for (let i = 0; i <= 4; i++) {
    const y = y0 - ((y0 - y1) * i) / 4;
    out.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="${i === 0 ? colors.axis : colors.grid}"/>`);
    out.push(text(x0 - 6, y + 4, fmt((max * i) / 4), 'font-size="11" text-anchor="end" fill="#555"'));
  }
  const group = (x1 - x0) / runs.length;
  const bar = Math.min(34, group / 3);
  runs.forEach((r, i) => {
    const gx = x0 + group * i + group / 2;
    const hH = ((y0 - y1) * r.herald.callsPerSecond) / max;
    const pH = ((y0 - y1) * r.pgbench.tps) / max;
    out.push(`<rect x="${gx - bar - 2}" y="${y0 - hH}" width="${bar}" height="${hH}" fill="${colors.herald}"/>`);
    out.push(`<rect x="${gx + 2}" y="${y0 - pH}" width="${bar}" height="${pH}" fill="${colors.pgbench}"/>`);
    out.push(text(gx - bar / 2 - 2, y0 - hH - 4, fmt(r.herald.callsPerSecond), 'font-size="10" text-anchor="middle"'));
    out.push(text(gx + bar / 2 + 2, y0 - pH - 4, fmt(r.pgbench.tps), 'font-size="10" text-anchor="middle"'));
    out.push(text(gx, y0 + 16, `c=${r.concurrency}`, 'font-size="12" text-anchor="middle"'));
    const ratio = r.herald.callsPerSecond / r.pgbench.tps;
    out.push(text(gx, y0 + 31, `${ratio.toFixed(2)}×`, 'font-size="11" text-anchor="middle" fill="#555"'));
  });
  out.push(`<rect x="${x0}" y="56" width="12" height="12" fill="${colors.herald}"/>`);
  out.push(text(x0 + 16, 66, "Herald Send/s (in-app, 1 recipient)", 'font-size="11"'));
  out.push(`<rect x="${x0 + 215}" y="56" width="12" height="12" fill="${colors.pgbench}"/>`);
  out.push(text(x0 + 231, 66, "pgbench tx/s", 'font-size="11"'));
  out.push(text(x0, y0 + 50, "concurrency; Herald/pgbench below (target ≥ 0.5 at c=32)", 'font-size="11" fill="#555"'));
  return out.join("\n");
}

/**
 * One bar per target: Herald's figure as a share of what the target allows
 * (for a peer target, the ratio Herald / peer against the allowed ratio), so
 * the dashed line is the target for every row; green met, red missed, no bar
 * where the peer has no figure.
 */
function keyPanel(keys: Array<{ key: KeyNumber; met: boolean | null }>): string {
  const x0 = 430;
  const barX = 430;
  const barW = 200; // 0..200% of target
  const out = [text(x0, 40, "Targets: Herald against target or peer", 'font-size="15" font-weight="bold"')];
  out.push(
    text(x0, 58, "bar = share of target (dashed line = target met); capped at 2×", 'font-size="11" fill="#555"'),
  );
  const rowH = Math.min(42, 400 / Math.max(1, keys.length));
  const top = 80;
  const targetX = barX + barW / 2;
  out.push(
    `<line x1="${targetX}" y1="${top - 6}" x2="${targetX}" y2="${top + rowH * keys.length}" stroke="${colors.axis}" stroke-dasharray="4 3"/>`,
  );
  keys.forEach(({ key: k, met }, i) => {
    const y = top + rowH * i;
    const ratio = keyRatio(k);
    const allowed = k.peer === undefined ? 1 : k.target;
    const score = k.higherIsBetter ? ratio / allowed : allowed / Math.max(ratio, 1e-9);
    out.push(text(x0, y + 10, k.label, 'font-size="11"'));
    if (Number.isFinite(score)) {
      const w = Math.max(1, (Math.min(score, 2) / 2) * barW);
      const fill = met === null ? colors.pgbench : met ? colors.met : colors.missed;
      out.push(`<rect x="${barX}" y="${y + 14}" width="${w}" height="14" fill="${fill}"/>`);
    }
    const cmp = k.higherIsBetter ? "≥" : "≤";
    const p = k.peer;
    const caption =
      p === undefined
        ? `${fmt(k.value)}${k.unit} (${cmp} ${fmt(k.target)}${k.unit})`
        : p.value === null
          ? `no peer figure (${p.name} ${p.missing ?? ""})`
          : `${ratio.toFixed(2)}× ${p.name} (${cmp} ${k.target}×): ${fmt(k.value)} vs ${fmt(p.value)}${k.unit}`;
    // Past the line yet missed: the target has another condition (scenario 3: the rate achieved, nothing lost).
    const also = met === false && score >= 1 ? "; another condition missed" : "";
    out.push(text(barX + barW + 8, y + 25, `${caption}${also}`, 'font-size="10" fill="#333"'));
  });
  if (keys.length === 0) out.push(text(x0, top + 20, "no targets measured", 'font-size="12"'));
  return out.join("\n");
}

export function renderSvg(report: RunReport): string {
  const send = report.scenarios.find((s) => s.id === 1);
  const runs = ((send?.details.runs as SendRun[] | undefined) ?? []).filter((r) => r.pgbench !== undefined);
  const keys = targetRows(report.scenarios).map(({ row, key }) => ({ key, met: row.met }));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    sendPanel(runs),
    keyPanel(keys),
    text(
      width - 10,
      height - 8,
      `Herald benchmark ${report.date.slice(0, 16).replace("T", " ")} UTC, ${report.machine.cores} cores, ${report.machine.cpuModel}`,
      'font-size="10" text-anchor="end" fill="#777"',
    ),
    "</svg>",
    "",
  ].join("\n");
}
