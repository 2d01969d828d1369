import { type Delivery, DeliveryStatus, type Notification } from "../../../../gen/ts/herald/v1/notification_pb.js";
import type { RetryResult } from "../../../../gen/ts/herald/v1/operator_service_pb.js";
import type { ConsolePage } from "../context.js";
import { field, h } from "../dom.js";
import { cell, channelName, channelNames, enumSelect, errorText, statusBadge, table, time } from "../labels.js";
import { pager } from "../pager.js";
import { hashQuery, routeHash } from "../route.js";
import { type FilledPage, searchFilled } from "../search-pages.js";

/**
 * Dead letters: deliveries that failed for good, by their notifications newest
 * first, optionally of one channel. An admin selects some and retries them in one call; a `read`
 * caller sees the list without the controls (and the server refuses anyway).
 */
export const deadLettersPage: ConsolePage = {
  route: "dead-letters",
  title: "Dead letters",
  scope: "read",
  async render(into, ctx, _path, signal) {
    const query = hashQuery();
    const channel = enumSelect("dead-channel", channelNames, query.get("channel") ?? "");
    const filters = h(
      "form",
      {
        class: "filters",
        attrs: { "aria-label": "Filter dead letters" },
        on: {
          submit: (event) => {
            event.preventDefault();
            const next = new URLSearchParams();
            if (channel.value !== "") next.set("channel", channel.value);
            ctx.navigate(routeHash("dead-letters", [], next));
          },
        },
      },
      field("Channel", channel),
      h("div", { class: "actions" }, h("button", { class: "primary", text: "Filter", attrs: { type: "submit" } })),
    );
    const results = h("div", { attrs: { "aria-busy": "true" } });
    into.append(h("h1", { text: "Dead letters" }), filters, results);

    const tokens = (query.get("pages") ?? "").split(",").filter((t) => t !== "");
    const channelValue = channelNames.find(([, n]) => n === query.get("channel"))?.[0];
    let response: FilledPage;
    try {
      // SearchNotifications (read scope) rather than ListDeliveries (admin only): a
      // read key sees the dead letters too, and each row can name its user and title.
      response = await searchFilled(
        ctx.clients.operator,
        {
          deliveryStatus: DeliveryStatus.DEAD,
          pageToken: tokens.at(-1) ?? "",
          ...(channelValue !== undefined && { channel: channelValue }),
        },
        50,
        signal,
      );
    } catch (err) {
      if (!signal.aborted) results.replaceChildren(h("p", { class: "form-error", text: errorText(err) }));
      return;
    } finally {
      results.setAttribute("aria-busy", "false");
    }
    const dead = response.notifications.flatMap((s) =>
      s.deliveries
        .filter((d) => d.status === DeliveryStatus.DEAD && (channelValue === undefined || d.channel === channelValue))
        .map((d) => ({ d, n: s.notification })),
    );
    if (dead.length === 0 && response.nextPageToken === "") {
      results.replaceChildren(h("p", { class: "muted", text: "No dead deliveries. Nothing to fix." }));
      return;
    }
    const admin = ctx.can("admin");
    const boxes = new Map<string, HTMLInputElement>();
    const outcomes = new Map<string, HTMLTableCellElement>();
    const rows = dead.map(({ d, n }) => {
      const outcome = cell("");
      outcomes.set(d.id, outcome);
      const select = admin ? [cell(checkbox(d, n, boxes))] : [];
      return h("tr", { attrs: { "data-delivery-id": d.id } }, ...select, ...deliveryCells(d, n), outcome);
    });
    const headers = [
      ...(admin ? ["Select"] : []),
      "Updated",
      "User",
      "Notification",
      "Channel",
      "Attempts",
      "Last error",
      "Result",
    ];
    const controls = h("div", { class: "actions" });
    if (admin) {
      const all = h("input", { attrs: { type: "checkbox", id: "select-all" } });
      all.addEventListener("change", () => {
        for (const box of boxes.values()) if (!box.disabled) box.checked = all.checked;
      });
      const retry = h("button", {
        class: "primary",
        text: "Retry selected",
        attrs: { type: "button", id: "retry-selected" },
      });
      retry.addEventListener("click", () => {
        // A row already retried has its box disabled: never sent again.
        const ids = [...boxes].filter(([, box]) => box.checked && !box.disabled).map(([id]) => id);
        if (ids.length === 0) {
          ctx.announce("Select at least one delivery to retry.", "error");
          return;
        }
        retry.disabled = true;
        ctx.clients.operator
          .retryDeliveries({ deliveryIds: ids })
          .then(
            (r) => {
              showResults(r.results, outcomes, boxes);
              const retried = r.results.filter((x) => x.retried).length;
              ctx.announce(`${retried} of ${ids.length} deliver${ids.length === 1 ? "y" : "ies"} retried`);
            },
            (err: unknown) => ctx.announce(errorText(err), "error"),
          )
          .finally(() => {
            retry.disabled = false;
          });
      });
      controls.append(
        h("div", { class: "check" }, all, h("label", { text: "Select all", attrs: { for: "select-all" } })),
        retry,
      );
    }
    const pages = pager(ctx, "dead-letters", query, tokens, response.nextPageToken);
    // A search that stopped at its bound before finding any: say so, and offer to go on.
    const found =
      dead.length === 0
        ? h("p", { class: "muted", text: "None among the newest notifications searched so far." })
        : table("Dead deliveries", headers, rows);
    results.replaceChildren(controls, found, pages);
  },
};

function checkbox(d: Delivery, n: Notification | undefined, boxes: Map<string, HTMLInputElement>): HTMLInputElement {
  const box = h("input", {
    attrs: {
      type: "checkbox",
      class: "select",
      "aria-label": `Select the ${channelName(d.channel)} delivery of “${n?.title ?? ""}” to ${n?.userId ?? "?"}`,
    },
  });
  boxes.set(d.id, box);
  return box;
}

function deliveryCells(d: Delivery, n: Notification | undefined): HTMLTableCellElement[] {
  return [
    cell(time(d.updateTime)),
    cell(n?.userId ?? "—"),
    cell(h("a", { text: n?.title || "(no title)", attrs: { href: routeHash("notifications", [d.notificationId]) } })),
    cell(channelName(d.channel)),
    cell(String(d.attempts)),
    cell(d.lastError || "—"),
  ];
}

function showResults(
  results: RetryResult[],
  outcomes: Map<string, HTMLTableCellElement>,
  boxes: Map<string, HTMLInputElement>,
) {
  for (const r of results) {
    const target = outcomes.get(r.deliveryId);
    if (target === undefined) continue;
    target.replaceChildren(
      r.retried
        ? h("span", {}, "retried ", r.delivery === undefined ? "" : statusBadge(r.delivery, false))
        : h("span", { class: "form-error", text: r.error }),
    );
    const box = boxes.get(r.deliveryId);
    if (box !== undefined && r.retried) {
      box.checked = false;
      box.disabled = true;
    }
  }
}
