import { timestampMs } from "@bufbuild/protobuf/wkt";
import {
  AttemptOutcome,
  type Delivery,
  DeliveryStatus,
  Priority,
} from "../../../../gen/ts/herald/v1/notification_pb.js";
import type { GetNotificationLifeResponse, RenderedContent } from "../../../../gen/ts/herald/v1/operator_service_pb.js";
import { WorkflowRunStatus, WorkflowStepState } from "../../../../gen/ts/herald/v1/workflow_pb.js";
import type { ConsoleContext, ConsolePage } from "../context.js";
import { h } from "../dom.js";
import { cell, channelName, errorText, statusBadge, table, time } from "../labels.js";

/**
 * A notification's life: its content, what each channel rendered (an email's
 * HTML in a sandboxed frame), every delivery with every attempt, its workflow
 * runs and trace; with Retry for dead deliveries and Cancel for scheduled ones.
 */
export const notificationPage: ConsolePage = {
  route: "notifications",
  title: "Notification",
  scope: "read",
  async render(into, ctx, path, signal) {
    const id = path[0] ?? "";
    const heading = h("h1", { text: "Notification" });
    const body = h("div", { attrs: { "aria-busy": "true" } });
    into.append(heading, body);
    const reload = async () => {
      try {
        const life = await ctx.clients.operator.getNotificationLife({ id }, { signal });
        heading.textContent = life.notification?.title || "Notification";
        body.replaceChildren(...lifeSections(life, ctx, () => void reload()));
      } catch (err) {
        if (!signal.aborted) body.replaceChildren(h("p", { class: "form-error", text: errorText(err) }));
      }
      body.setAttribute("aria-busy", "false");
    };
    await reload();
  },
};

function lifeSections(life: GetNotificationLifeResponse, ctx: ConsoleContext, reload: () => void): HTMLElement[] {
  const n = life.notification;
  const facts: Array<[string, Node | string]> = [
    ["Id", n?.id ?? ""],
    ["User", n?.userId ?? ""],
    ["Category", n?.category ?? ""],
    ["Priority", Priority[n?.priority ?? Priority.UNSPECIFIED]?.toLowerCase() ?? "—"],
    ["Created", time(n?.createTime)],
    ["Body", n?.body ?? ""],
    ["Template", life.templateKey || "—"],
    ["Sent with API key", life.senderKeyId || "—"],
    ["Trace", traceLink(life.traceId, ctx.config.traceUrl)],
  ];
  const sections = [
    section(
      "Content",
      h("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", {}, v)])),
      h("h3", { text: "Data" }),
      h("pre", { class: "json", text: JSON.stringify(n?.data ?? {}, null, 2) }),
    ),
    section("Rendered per channel", ...life.rendered.map(rendered)),
    section("Deliveries", actions(life, ctx, reload), ...life.deliveries.map((d) => delivery(d, ctx, reload))),
  ];
  if (life.workflowRuns.length > 0) sections.push(section("Workflow runs", ...life.workflowRuns.map(workflowRun)));
  return sections;
}

function section(title: string, ...content: Node[]): HTMLElement {
  return h("section", { class: "card" }, h("h2", { text: title }), ...content);
}

function traceLink(traceId: string, traceUrl: string | null): Node | string {
  if (traceId === "") return "— (tracing was off)";
  if (traceUrl === null) return h("code", { text: traceId });
  return h("a", {
    text: traceId,
    attrs: {
      href: traceUrl.replaceAll("{traceId}", encodeURIComponent(traceId)),
      target: "_blank",
      rel: "noopener noreferrer",
    },
  });
}

function rendered(content: RenderedContent): HTMLElement {
  const name = content.channelId || channelName(content.channel);
  const box = h("div", { class: "rendered", attrs: { "data-channel": name } }, h("h3", { text: name }));
  if (content.error !== "") {
    box.append(h("p", { class: "form-error", text: `Not rendered: ${content.error}` }));
    return box;
  }
  if (content.subject !== "") box.append(h("p", {}, h("strong", { text: "Subject: " }), content.subject));
  if (content.html !== "") {
    // The sender's HTML: no scripts, no same origin, no forms, no navigation (sandbox="").
    const frame = h("iframe", {
      class: "email-preview",
      attrs: { sandbox: "", title: `Email preview: ${content.subject || "no subject"}`, referrerpolicy: "no-referrer" },
    });
    frame.srcdoc = content.html;
    box.append(frame);
  }
  if (content.text !== "") box.append(h("pre", { class: "text-part", text: content.text }));
  return box;
}

function actions(life: GetNotificationLifeResponse, ctx: ConsoleContext, reload: () => void): HTMLElement {
  const bar = h("div", { class: "actions" });
  const scheduled = life.deliveries.some((d) => d.status === DeliveryStatus.SCHEDULED);
  // Admin cancels any; send cancels its own (an operator's own is decided by the server).
  const own = ctx.who.kind === "oidc" || (ctx.who.keyId !== "" && life.senderKeyId === ctx.who.keyId);
  if (scheduled && (ctx.can("admin") || (ctx.can("send") && own))) {
    const id = life.notification?.id ?? "";
    bar.append(
      h("button", {
        class: "secondary",
        text: "Cancel scheduled deliveries",
        attrs: { type: "button", id: "cancel-scheduled" },
        on: {
          click: () => {
            if (!confirm("Cancel every scheduled delivery of this notification?")) return;
            ctx.clients.notifications.cancel({ id }).then(
              (r) => {
                ctx.announce(`${r.canceledCount} scheduled deliver${r.canceledCount === 1 ? "y" : "ies"} canceled`);
                reload();
              },
              (err: unknown) => ctx.announce(errorText(err), "error"),
            );
          },
        },
      }),
    );
  }
  return bar;
}

function delivery(d: Delivery, ctx: ConsoleContext, reload: () => void): HTMLElement {
  const head = h("h3", {}, `${channelName(d.channel)} → ${d.target || "(no target)"} `, statusBadge(d, false));
  const box = h("div", { class: "delivery", attrs: { "data-delivery-id": d.id } }, head);
  const facts = [`${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`, `updated ${time(d.updateTime)}`];
  if (d.nextAttemptTime !== undefined) facts.push(`next attempt ${time(d.nextAttemptTime)}`);
  if (d.providerMessageId !== "") facts.push(`provider message ${d.providerMessageId}`);
  box.append(h("p", { class: "muted", text: facts.join(" · ") }));
  if (d.lastError !== "") box.append(h("p", { class: "form-error", text: `Last error: ${d.lastError}` }));
  if (d.status === DeliveryStatus.DEAD && ctx.can("admin")) {
    box.append(
      h("button", {
        class: "primary small retry",
        text: "Retry",
        attrs: { type: "button", "aria-label": `Retry the ${channelName(d.channel)} delivery` },
        on: {
          click: (event) => {
            const button = event.currentTarget as HTMLButtonElement;
            button.disabled = true; // one retry per click, however fast the clicks
            ctx.clients.operator.retryDeliveries({ deliveryIds: [d.id] }).then(
              (r) => {
                const result = r.results[0];
                ctx.announce(result?.retried ? "Delivery retried" : `Not retried: ${result?.error ?? "unknown"}`);
                reload();
              },
              (err: unknown) => {
                button.disabled = false;
                ctx.announce(errorText(err), "error");
              },
            );
          },
        },
      }),
    );
  }
  const rows = d.attemptHistory.map((a) => {
    const ms = a.startTime && a.endTime ? timestampMs(a.endTime) - timestampMs(a.startTime) : null;
    return h(
      "tr",
      {},
      cell(String(a.number)),
      cell(time(a.startTime)),
      cell(ms === null ? "—" : `${ms} ms`),
      cell(outcomeName(a.outcome)),
      cell(a.provider || "—"),
      cell(a.error || "—"),
    );
  });
  box.append(
    rows.length === 0
      ? h("p", { class: "muted", text: "No attempt yet." })
      : table(
          `Attempts of the ${channelName(d.channel)} delivery`,
          ["#", "Started", "Took", "Outcome", "Provider", "Error"],
          rows,
        ),
  );
  return box;
}

function outcomeName(o: AttemptOutcome): string {
  if (o === AttemptOutcome.SENT) return "sent";
  if (o === AttemptOutcome.TRANSIENT_ERROR) return "transient error";
  if (o === AttemptOutcome.PERMANENT_ERROR) return "permanent error";
  return "—";
}

function workflowRun(run: GetNotificationLifeResponse["workflowRuns"][number]): HTMLElement {
  const rows = run.steps.map((s) =>
    h(
      "tr",
      {},
      cell(String(s.index + 1)),
      cell(s.kind),
      cell(WorkflowStepState[s.state]?.toLowerCase() ?? "—"),
      cell(s.reason || "—"),
      cell(time(s.dueTime)),
      cell(time(s.fireTime)),
    ),
  );
  return h(
    "div",
    { class: "workflow-run" },
    h("h3", {
      text: `${run.workflowKey} v${run.workflowVersion}: ${WorkflowRunStatus[run.status]?.toLowerCase() ?? ""}`,
    }),
    table(`Steps of ${run.workflowKey}`, ["Step", "Kind", "State", "Reason", "Due", "Fired"], rows),
  );
}
