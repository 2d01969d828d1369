import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Channel, DeliveryStatus } from "../../../../gen/ts/herald/v1/notification_pb.js";
import type {
  NotificationSummary,
  SearchNotificationsRequestSchema,
} from "../../../../gen/ts/herald/v1/operator_service_pb.js";
import type { ConsoleContext, ConsolePage } from "../context.js";
import { field, h } from "../dom.js";
import { cell, channelNames, enumSelect, errorText, statusBadge, statusNames, table, time } from "../labels.js";
import { pager } from "../pager.js";
import { hashQuery, routeHash } from "../route.js";
import { searchFilled } from "../search-pages.js";

type Search = MessageInitShape<typeof SearchNotificationsRequestSchema>;

/** How often the first page looks for new notifications. */
const pollMs = 5_000;
/** How many rows the live first page keeps as new ones arrive on top. */
const maxLiveRows = 200;
const filterNames = ["user", "category", "status", "channel", "from", "to", "key", "id"] as const;

/**
 * Activity: every notification, newest first, filtered by what the hash query
 * says (so a filtered view can be shared as a link), one page at a time. On
 * the first page, new notifications appear as they are sent.
 */
export const activityPage: ConsolePage = {
  route: "activity",
  title: "Activity",
  scope: "read",
  async render(into, ctx, _path, signal) {
    const query = hashQuery();
    const form = filterForm(query, (next) => ctx.navigate(routeHash("activity", [], next)));
    const results = h("div", { class: "results", attrs: { "aria-busy": "true" } });
    // On a phone, a filtered view starts with its filters folded away, so the results come first.
    const set = filterNames.filter((name) => query.has(name)).length;
    const filters = h(
      "details",
      { class: "filter-box" },
      h("summary", { text: set === 0 ? "Filters" : `Filters (${set} set)` }),
      form,
    );
    filters.open = set === 0 || !matchMedia("(max-width: 640px)").matches;
    into.append(h("h1", { text: "Activity" }), filters, results);

    const request = searchRequest(query);
    // Page tokens of the pages before this one, so "Previous" goes back.
    const tokens = (query.get("pages") ?? "").split(",").filter((t) => t !== "");
    const pageToken = tokens.at(-1) ?? "";
    const response = await searchFilled(ctx.clients.operator, { ...request, pageToken }, 25, signal).catch(
      (err: unknown) => {
        if (!signal.aborted) results.replaceChildren(h("p", { class: "form-error", text: errorText(err) }));
        return null;
      },
    );
    results.setAttribute("aria-busy", "false");
    if (response === null || signal.aborted) return;
    const body = h("tbody");
    body.append(...response.notifications.map(row));
    const pages = pager(ctx, "activity", query, tokens, response.nextPageToken);
    const empty = h("p", {
      class: "muted",
      text:
        response.nextPageToken === ""
          ? "No notification matches these filters."
          : "None among the notifications searched so far: Next page searches further back.",
    });
    const wrap = table("Notifications, newest first", ["Time", "User", "Category", "Title", "Deliveries"], []);
    wrap.querySelector("tbody")?.replaceWith(body);
    results.replaceChildren(response.notifications.length === 0 ? empty : wrap, pages);
    if (tokens.length === 0) {
      const seen = new Set(response.notifications.map((s) => s.notification?.id));
      pollNewest(ctx, request, seen, signal, (fresh) => {
        if (empty.isConnected) empty.replaceWith(wrap);
        body.prepend(...fresh.map(row));
        // A tab left open on a busy Herald keeps the newest rows only, and forgets the others.
        while (body.rows.length > maxLiveRows) body.lastElementChild?.remove();
        seen.clear();
        for (const tr of body.rows) seen.add(tr.dataset.id);
        ctx.announce(`${fresh.length} new notification${fresh.length === 1 ? "" : "s"}`);
      });
    }
  },
};

function row(summary: NotificationSummary): HTMLTableRowElement {
  const n = summary.notification;
  const id = n?.id ?? "";
  return h(
    "tr",
    { attrs: { "data-id": id } },
    cell(time(n?.createTime)),
    cell(n?.userId ?? ""),
    cell(n?.category ?? ""),
    cell(h("a", { text: n?.title || "(no title)", attrs: { href: routeHash("notifications", [id]) } })),
    cell(h("span", { class: "badges" }, ...summary.deliveries.map((d) => statusBadge(d)))),
  );
}

/** Asks for the first page every few seconds while the tab is visible; hands over the notifications not seen yet. */
function pollNewest(
  ctx: ConsoleContext,
  request: Search,
  seen: Set<string | undefined>,
  signal: AbortSignal,
  onFresh: (fresh: NotificationSummary[]) => void,
): void {
  let asking = false; // a slow answer is not asked for again on top of itself
  const timer = setInterval(() => {
    if (document.hidden || asking) return;
    asking = true;
    ctx.clients.operator
      .searchNotifications({ ...request, pageSize: 25 }, { signal })
      .then(
        (response) => {
          const fresh = response.notifications.filter((s) => !seen.has(s.notification?.id));
          for (const s of fresh) seen.add(s.notification?.id);
          if (fresh.length > 0 && !signal.aborted) onFresh(fresh);
        },
        () => undefined, // the next round tries again; a page change aborts
      )
      .finally(() => {
        asking = false;
      });
  }, pollMs);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

function searchRequest(query: URLSearchParams): Search {
  const text = (name: string) => query.get(name)?.trim() ?? "";
  const when = (name: string) => {
    const value = text(name);
    const date = value === "" ? null : new Date(value);
    return date === null || Number.isNaN(date.getTime()) ? undefined : timestampFromDate(date);
  };
  const status = statusNames.find(([, n]) => n === text("status"))?.[0];
  const channel = channelNames.find(([, n]) => n === text("channel"))?.[0];
  return {
    userId: text("user"),
    category: text("category"),
    idempotencyKey: text("key"),
    notificationId: text("id"),
    ...(status !== undefined && { deliveryStatus: status as DeliveryStatus }),
    ...(channel !== undefined && { channel: channel as Channel }),
    ...(when("from") !== undefined && { createAfter: when("from") }),
    ...(when("to") !== undefined && { createBefore: when("to") }),
  };
}

function filterForm(query: URLSearchParams, onSearch: (next: URLSearchParams) => void): HTMLFormElement {
  const input = (name: string, type = "text") =>
    h("input", { attrs: { id: `activity-${name}`, name, type, value: query.get(name) ?? "", autocomplete: "off" } });
  const controls: Record<(typeof filterNames)[number], HTMLInputElement | HTMLSelectElement> = {
    user: input("user"),
    category: input("category"),
    status: enumSelect("activity-status", statusNames, query.get("status") ?? ""),
    channel: enumSelect("activity-channel", channelNames, query.get("channel") ?? ""),
    from: input("from", "datetime-local"),
    to: input("to", "datetime-local"),
    key: input("key"),
    id: input("id"),
  };
  const labels = [
    "User id",
    "Category",
    "Delivery status",
    "Channel",
    "From",
    "To",
    "Idempotency key",
    "Notification id",
  ];
  const form = h(
    "form",
    {
      class: "filters",
      attrs: { role: "search", "aria-label": "Filter notifications" },
      on: {
        submit: (event) => {
          event.preventDefault();
          const next = new URLSearchParams();
          for (const name of filterNames) {
            const value = controls[name].value.trim();
            if (value !== "") next.set(name, value);
          }
          onSearch(next);
        },
      },
    },
    ...filterNames.map((name, i) => field(labels[i] as string, controls[name])),
    h(
      "div",
      { class: "actions" },
      h("button", { class: "primary", text: "Search", attrs: { type: "submit" } }),
      h("a", { text: "Clear filters", attrs: { href: "#/activity" } }),
    ),
  );
  return form;
}
