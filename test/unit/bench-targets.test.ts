import { describe, expect, it } from "vitest";
import { centrifugoConfig } from "../../bench/lib/centrifugo.js";
import { type RunReport, renderTargets } from "../../bench/lib/report.js";
import { keyRatio, type ResultRow } from "../../bench/lib/scenario.js";
import { renderSvg } from "../../bench/lib/svg.js";

const row = (over: Partial<ResultRow> & Pick<ResultRow, "key" | "met" | "target">): ResultRow => ({
  setting: "s",
  throughput: null,
  latencyMs: null,
  ...over,
});

function report(rows: ResultRow[]): RunReport {
  return {
    date: "2026-12-02T16:00:00.000Z",
    command: "npm run bench",
    machine: { cores: 2, ramGiB: 8, cpuModel: "cpu", node: "v20", os: "Linux" },
    versions: {},
    options: {},
    totalSeconds: 1,
    loadAverageBefore: 0,
    scenarios: [{ id: 3, title: "t", elapsedSeconds: 1, rows, details: {}, notes: [], otherCpuMaxPct: 0 }],
  };
}

const p99 = (peer: { name: string; value: number | null; missing?: string }) => ({
  label: "3. Send → feed p99, Herald / Centrifugo",
  value: 6,
  target: 3,
  unit: " ms",
  higherIsBetter: false,
  peer,
});

describe("bench targets table", () => {
  it("shows Herald's figure, the peer's, the ratio and the verdict", () => {
    const key = p99({ name: "Centrifugo v6.9.1", value: 4 });
    expect(keyRatio(key)).toBe(1.5);
    const table = renderTargets(report([row({ key, met: true, target: "p99 ≤ 3× Centrifugo's" })]));
    expect(table).toContain("| 6 ms | 4 ms (Centrifugo v6.9.1) | 1.50× (≤ 3×) | ✓ yes |");
  });

  it("says there is no peer figure when the peer was skipped, and gives no verdict or bar", () => {
    const key = p99({ name: "Centrifugo v6.9.1", value: null, missing: "skipped (--no-peer)" });
    expect(keyRatio(key)).toBeNaN();
    const r = report([row({ key, met: null, target: "p99 ≤ 3× (no peer figure)" })]);
    expect(renderTargets(r)).toContain("no peer figure (skipped (--no-peer)) | — |  |");
    const svg = renderSvg(r);
    expect(svg).toContain("no peer figure");
    expect(svg).not.toContain('height="14" fill');
  });

  it("holds a fixed target against its number", () => {
    const key = { label: "2. Bulk", value: 60_000, target: 50_000, unit: "/s", higherIsBetter: true };
    expect(renderTargets(report([row({ key, met: true, target: "≥ 50,000/s" })]))).toContain(
      "| 60,000/s | — | 1.2× target | ✓ yes |",
    );
  });
});

describe("bench Centrifugo config", () => {
  it("subscribes each user to a personal channel with history and forced recovery, on loopback only", () => {
    const config = centrifugoConfig({ httpPort: 1, apiPort: 2, uniGrpcPort: 3, apiKey: "k", tokenSecret: "s" });
    expect(config).toMatchObject({
      client: {
        token: { hmac_secret_key: "s" },
        subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: "personal" },
      },
      channel: { namespaces: [{ name: "personal", history_size: 100, history_ttl: "300s", force_recovery: true }] },
      uni_grpc: { enabled: true, address: "127.0.0.1", port: 3 },
      grpc_api: { enabled: true, address: "127.0.0.1", port: 2, key: "k" },
      http_server: { address: "127.0.0.1", port: 1 },
    });
  });
});
