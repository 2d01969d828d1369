import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { GetPipelineHealthResponse } from "../../../gen/ts/herald/v1/operator_service_pb.js";

/** Samples kept in memory: five minutes at one sample every five seconds. */
export const maxSamples = 60;

/**
 * Chart series built from health samples: per-channel rates come from the
 * difference between two samples' counters. Counters are per process, so a
 * counter that went down (a restart) or another process answering starts the
 * series again: that point is a gap, not a negative rate.
 */
export interface HealthSeries {
  channels: string[];
  /** Seconds since the epoch, one per sample. */
  times: number[];
  sentPerSecond: Array<Array<number | null>>;
  failedPerSecond: Array<Array<number | null>>;
  outboxBacklog: number[];
  consumerPending: Array<number | null>;
}

export function emptySeries(channels: string[]): HealthSeries {
  return {
    channels,
    times: [],
    sentPerSecond: channels.map(() => []),
    failedPerSecond: channels.map(() => []),
    outboxBacklog: [],
    consumerPending: [],
  };
}

/** Adds `sample` (which follows `previous`, if any) and drops the oldest beyond maxSamples. */
export function addSample(
  series: HealthSeries,
  previous: GetPipelineHealthResponse | null,
  sample: GetPipelineHealthResponse,
): void {
  const at = sample.sampleTime === undefined ? Date.now() : timestampMs(sample.sampleTime);
  const before = previous?.sampleTime === undefined ? null : timestampMs(previous.sampleTime);
  const seconds = before === null ? 0 : (at - before) / 1000;
  const sameProcess = previous !== null && previous.processId === sample.processId && seconds > 0;
  series.times.push(at / 1000);
  series.channels.forEach((id, i) => {
    const now = sample.channels.find((c) => c.channelId === id);
    const was = previous?.channels.find((c) => c.channelId === id);
    const rate = (a: bigint | undefined, b: bigint | undefined) =>
      !sameProcess || a === undefined || b === undefined || a < b ? null : Number(a - b) / seconds;
    series.sentPerSecond[i]?.push(rate(now?.sentTotal, was?.sentTotal));
    series.failedPerSecond[i]?.push(rate(now?.failedTotal, was?.failedTotal));
  });
  series.outboxBacklog.push(Number(sample.outboxBacklog));
  series.consumerPending.push(sample.consumerPending === undefined ? null : Number(sample.consumerPending));
  if (series.times.length > maxSamples) {
    for (const list of [
      series.times,
      series.outboxBacklog,
      series.consumerPending,
      ...series.sentPerSecond,
      ...series.failedPerSecond,
    ])
      list.shift();
  }
}
