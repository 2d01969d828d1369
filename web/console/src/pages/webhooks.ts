/**
 * Webhooks: every endpoint (WebhookService.ListWebhookEndpoints) and
 * Disable/Enable (UpdateWebhookEndpoint). An admin page, because WebhookService
 * is admin-only even to read: a chat tool's incoming webhook URL is a
 * credential. Replaying past deliveries to an endpoint is not offered yet (issue 14).
 */
import "./manage-pages.css";
import type { WebhookEndpoint } from "../../../../gen/ts/herald/v1/webhook_service_pb.js";
import type { ConsoleContext, ConsolePage } from "../context.js";
import { h } from "../dom.js";
import { button, errorSlot, row } from "../form-kit.js";
import { channelToName } from "../forms.js";
import { errorText, table } from "../labels.js";

export const webhooksPage: ConsolePage = {
  route: "webhooks",
  title: "Webhooks",
  scope: "admin",
  async render(into, ctx, _path, signal) {
    const errors = errorSlot();
    const list = h("div", {}, h("p", { text: "Loading endpoints…" }));
    into.append(
      h("h1", { text: "Webhooks" }),
      h("p", { text: "Endpoints that receive notifications, and chat channels' incoming webhooks." }),
      errors.element,
      list,
    );
    const show = async () => {
      try {
        const { endpoints } = await ctx.clients.webhooks.listWebhookEndpoints({}, { signal });
        list.replaceChildren(endpointsTable(ctx, endpoints, errors, show));
      } catch (err) {
        if (!signal.aborted)
          list.replaceChildren(h("p", { class: "error form-error", text: errorText(err), attrs: { role: "alert" } }));
      }
    };
    await show();
  },
};

function endpointsTable(
  ctx: ConsoleContext,
  endpoints: WebhookEndpoint[],
  errors: ReturnType<typeof errorSlot>,
  refresh: () => Promise<void>,
): HTMLElement {
  if (endpoints.length === 0) return h("p", { text: "No webhook endpoints." });
  const rows = endpoints.map((e) => {
    const state = h("span", {
      class: `badge ${e.enabled ? "status-sent" : "status-dead"}`,
      text: e.enabled ? "enabled" : "disabled",
    });
    const cells: Array<Node | string> = [
      h("span", { class: "url", text: e.url }),
      channelToName(e.channel),
      e.categories.join(", ") || "all",
      state,
      e.disabledReason || "—",
      e.description || "—",
      toggleButton(ctx, e, errors, refresh),
    ];
    return row(...cells);
  });
  const headers = ["URL", "Channel", "Categories", "State", "Disabled because", "Description", "Change"];
  return table("Webhook endpoints", headers, rows);
}

/** Disable or Enable, named with the endpoint's URL so a screen reader tells the rows' buttons apart. */
function toggleButton(
  ctx: ConsoleContext,
  endpoint: WebhookEndpoint,
  errors: ReturnType<typeof errorSlot>,
  refresh: () => Promise<void>,
): HTMLButtonElement {
  const verb = endpoint.enabled ? "Disable" : "Enable";
  const b = button(
    verb,
    async () => {
      errors.clear();
      b.disabled = true;
      try {
        await ctx.clients.webhooks.updateWebhookEndpoint({ id: endpoint.id, enabled: !endpoint.enabled });
        ctx.announce(`${endpoint.url} ${endpoint.enabled ? "disabled" : "enabled"}.`);
        await refresh();
        // The table was redrawn: give the focus to this endpoint's new button, not the page's top.
        document.querySelector<HTMLElement>(`button[data-endpoint="${CSS.escape(endpoint.id)}"]`)?.focus();
      } catch (err) {
        errors.show(errorText(err));
        b.disabled = false;
      }
    },
    {
      class: endpoint.enabled ? "danger small" : "small",
      attrs: { "aria-label": `${verb} ${endpoint.url}`, "data-endpoint": endpoint.id },
    },
  );
  return b;
}
