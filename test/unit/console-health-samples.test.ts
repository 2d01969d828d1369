import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { expect, it } from "vitest";
import { GetPipelineHealthResponseSchema } from "../../gen/ts/herald/v1/operator_service_pb.js";
import { addSample, emptySeries, maxSamples } from "../../web/console/src/health-samples.js";

// The Health page's arithmetic (web/console/src/health-samples.ts), without a browser.
const sample = (atMs: number, sent: number, failed: number, processId = "p1", pending?: number) =>
  create(GetPipelineHealthResponseSchema, {
    sampleTime: timestampFromMs(atMs),
    processId,
    outboxBacklog: 3n,
    ...(pending !== undefined && { consumerPending: BigInt(pending) }),
    channels: [{ channelId: "email", sentTotal: BigInt(sent), failedTotal: BigInt(failed) }],
  });

it("charts rates from counter differences, with a gap where a series starts again", () => {
  const series = emptySeries(["email"]);
  const samples = [
    sample(0, 10, 0), // first: no rate yet
    sample(5_000, 20, 5, "p1", 7), // +10 sent, +5 failed in 5 s
    sample(10_000, 4, 0), // the counter went down: the process restarted
    sample(15_000, 9, 1, "p2"), // another process answered: its counters are not comparable
    sample(20_000, 19, 1, "p2"),
  ];
  for (const [i, s] of samples.entries()) addSample(series, samples[i - 1] ?? null, s);
  expect(series.times).toEqual([0, 5, 10, 15, 20]);
  expect(series.sentPerSecond[0]).toEqual([null, 2, null, null, 2]);
  expect(series.failedPerSecond[0]).toEqual([null, 1, null, null, 0]);
  expect(series.outboxBacklog).toEqual([3, 3, 3, 3, 3]);
  expect(series.consumerPending).toEqual([null, 7, null, null, null]);
});

it("keeps the last samples only", () => {
  const series = emptySeries(["email"]);
  let previous = null;
  for (let i = 0; i < maxSamples + 5; i++) {
    const s = sample(i * 5_000, i, 0);
    addSample(series, previous, s);
    previous = s;
  }
  expect(series.times).toHaveLength(maxSamples);
  expect(series.sentPerSecond[0]).toHaveLength(maxSamples);
  expect(series.times[0]).toBe(25);
});
