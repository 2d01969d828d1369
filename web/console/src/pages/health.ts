import uPlot from "uplot";
import type { GetPipelineHealthResponse } from "../../../../gen/ts/herald/v1/operator_service_pb.js";
import type { ConsolePage } from "../context.js";
import { h } from "../dom.js";
import { addSample, emptySeries, type HealthSeries } from "../health-samples.js";
import { cell, errorText, table, time } from "../labels.js";

const pollMs = 5_000;
const palette = ["#4f46e5", "#059669", "#d97706", "#dc2626", "#0891b2", "#7c3aed", "#db2777", "#65a30d"];

/**
 * Health: GetPipelineHealth every five seconds, charted (sent and failed per
 * second per channel, outbox backlog and consumer pending), with the latest
 * numbers as a table, which is also the charts' text alternative.
 */
export const healthPage: ConsolePage = {
  route: "health",
  title: "Health",
  scope: "read",
  async render(into, ctx, _path, signal) {
    const charts = h("div", { class: "charts" });
    const numbers = h("div", { class: "numbers", attrs: { "aria-live": "off" } });
    into.append(
      h("h1", { text: "Health" }),
      h("p", {
        class: "muted",
        text: "Sampled every 5 seconds while this page is open; the table below holds the latest numbers.",
      }),
      charts,
      numbers,
    );
    let series: HealthSeries | null = null;
    let previous: GetPipelineHealthResponse | null = null;
    let plots: Array<{ plot: uPlot; box: HTMLElement; data: () => uPlot.AlignedData }> = [];
    const resize = () => {
      for (const { plot, box } of plots) plot.setSize({ width: chartWidth(box), height: 180 });
    };
    window.addEventListener("resize", resize);
    signal.addEventListener("abort", () => {
      window.removeEventListener("resize", resize);
      for (const { plot } of plots) plot.destroy();
    });

    const sample = async () => {
      let latest: GetPipelineHealthResponse;
      try {
        latest = await ctx.clients.operator.getPipelineHealth({}, { signal });
      } catch (err) {
        if (!signal.aborted) numbers.replaceChildren(h("p", { class: "form-error", text: errorText(err) }));
        return;
      }
      if (signal.aborted) return;
      const ids = latest.channels.map((c) => c.channelId);
      if (series === null || series.channels.join() !== ids.join()) {
        // First sample, or the channels changed: start over.
        series = emptySeries(ids);
        previous = null;
        for (const { plot } of plots) plot.destroy();
        charts.replaceChildren();
        plots = buildCharts(charts, series);
        resize(); // each chart was sized before the next one joined the grid
      }
      addSample(series, previous, latest);
      previous = latest;
      for (const { plot, data } of plots) plot.setData(data());
      numbers.replaceChildren(...numberTables(latest));
    };
    await sample();
    if (signal.aborted) return; // left during the first sample: no timer to leak
    let asking = false; // a slow answer is not asked for again on top of itself
    const timer = setInterval(() => {
      if (document.hidden || asking) return;
      asking = true;
      void sample().finally(() => {
        asking = false;
      });
    }, pollMs);
    signal.addEventListener("abort", () => clearInterval(timer));
  },
};

function chartWidth(container: HTMLElement): number {
  return Math.max(240, Math.min(container.clientWidth || 600, 1200));
}

function buildCharts(container: HTMLElement, s: HealthSeries) {
  const perChannel = (title: string, values: () => Array<Array<number | null>>) =>
    chart(container, title, "per second", s.channels, () => [s.times, ...values()] as uPlot.AlignedData);
  const result = [
    perChannel("Sent per second", () => s.sentPerSecond),
    perChannel("Failed attempts per second", () => s.failedPerSecond),
    chart(
      container,
      "Waiting deliveries",
      "deliveries",
      ["outbox backlog", "consumer pending"],
      () => [s.times, s.outboxBacklog, s.consumerPending] as uPlot.AlignedData,
    ),
  ];
  return result;
}

function chart(container: HTMLElement, title: string, unit: string, names: string[], data: () => uPlot.AlignedData) {
  const plotBox = h("div", { attrs: { "aria-hidden": "true" } });
  container.append(
    h(
      "figure",
      { class: "chart" },
      h("figcaption", { text: `${title} (see the table below for the numbers)` }),
      plotBox,
    ),
  );
  const plot = new uPlot(
    {
      width: chartWidth(plotBox),
      height: 180,
      series: [
        {},
        ...names.map((label, i) => ({
          label,
          stroke: palette[i % palette.length] as string,
          width: 2,
          spanGaps: false,
        })),
      ],
      axes: [{}, { label: unit, size: 56 }],
      scales: {
        // Always the last five minutes, so one sample does not stretch the axis over years.
        x: { time: true, range: (_u: uPlot, _min: number, max: number) => [max - 300, max] as uPlot.Range.MinMax },
        y: { range: (_u: uPlot, _min: number, max: number) => [0, Math.max(1, max * 1.1)] as uPlot.Range.MinMax },
      },
      cursor: { show: false },
    },
    data(),
    plotBox,
  );
  return { plot, box: plotBox, data };
}

function numberTables(latest: GetPipelineHealthResponse): HTMLElement[] {
  const rows = latest.channels.map((c) =>
    h(
      "tr",
      {},
      h("th", { text: c.channelId, attrs: { scope: "row" } }),
      cell(String(c.sentTotal)),
      cell(String(c.failedTotal)),
      cell(String(c.deadTotal)),
      cell(String(c.deadNow)),
    ),
  );
  const facts: Array<[string, string]> = [
    ["Outbox backlog", String(latest.outboxBacklog)],
    [
      "Consumer pending",
      latest.consumerPending === undefined ? "unknown (JetStream not answering)" : String(latest.consumerPending),
    ],
    ["Oldest overdue workflow timer", `${latest.oldestOverdueTimerSeconds.toFixed(1)} s`],
    ["Open streams (this process)", String(latest.openStreams)],
    ["Process", latest.processId || "—"],
    ["Sampled", time(latest.sampleTime)],
  ];
  return [
    h(
      "dl",
      { class: "facts", attrs: { id: "health-facts" } },
      ...facts.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]),
    ),
    table(
      "Deliveries per channel (sent, failed and dead since this process started; dead now across all processes)",
      ["Channel", "Sent", "Failed attempts", "Went dead", "Dead now"],
      rows,
    ),
  ];
}
