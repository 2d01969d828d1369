import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { Channel, type Delivery, DeliveryStatus } from "../../../gen/ts/herald/v1/notification_pb.js";
import { h } from "./dom.js";

/** Channels and statuses as people read them, with their enum values, for selects and badges. */
export const channelNames: Array<[Channel, string]> = [
  [Channel.IN_APP, "in-app"],
  [Channel.EMAIL, "email"],
  [Channel.SMS, "sms"],
  [Channel.PUSH, "push"],
  [Channel.WEBHOOK, "webhook"],
  [Channel.SLACK, "slack"],
  [Channel.TEAMS, "teams"],
  [Channel.WEBPUSH, "webpush"],
];

export const statusNames: Array<[DeliveryStatus, string]> = [
  [DeliveryStatus.SCHEDULED, "scheduled"],
  [DeliveryStatus.PENDING, "pending"],
  [DeliveryStatus.SENDING, "sending"],
  [DeliveryStatus.SENT, "sent"],
  [DeliveryStatus.SUPPRESSED, "suppressed"],
  [DeliveryStatus.FAILED, "failed"],
  [DeliveryStatus.DEAD, "dead"],
  [DeliveryStatus.CANCELED, "canceled"],
];

export const channelName = (c: Channel) => channelNames.find(([v]) => v === c)?.[1] ?? "unknown";
export const statusName = (s: DeliveryStatus) => statusNames.find(([v]) => v === s)?.[1] ?? "unknown";

/** A badge such as "email: dead", coloured by status and readable without the colour. */
export function statusBadge(delivery: Pick<Delivery, "channel" | "status">, withChannel = true): HTMLElement {
  const status = statusName(delivery.status);
  return h("span", {
    class: `badge status-${status}`,
    text: withChannel ? `${channelName(delivery.channel)}: ${status}` : status,
  });
}

/** A select whose first option ("any") is the empty value. */
export function enumSelect<T extends number>(
  id: string,
  names: Array<[T, string]>,
  selected: string,
): HTMLSelectElement {
  const select = h("select", { attrs: { id, name: id } }, h("option", { text: "any", attrs: { value: "" } }));
  for (const [, name] of names) {
    const option = h("option", { text: name, attrs: { value: name } });
    if (name === selected) option.selected = true;
    select.append(option);
  }
  return select;
}

export function time(ts: Timestamp | undefined): string {
  return ts === undefined ? "—" : timestampDate(ts).toLocaleString();
}

/** An error as a short sentence for people; permission errors say which scope is missing. */
export function errorText(err: unknown): string {
  if (err instanceof ConnectError) {
    if (err.code === Code.PermissionDenied) return `Not allowed: ${err.rawMessage}`;
    return err.rawMessage;
  }
  return err instanceof Error ? err.message : String(err);
}

/** A table with a caption and column headers, inside a container that scrolls sideways on narrow screens. */
export function table(caption: string, headers: string[], rows: HTMLTableRowElement[]): HTMLElement {
  return h(
    "div",
    // Focusable and named, so a keyboard user can scroll a wide table sideways on a phone.
    { class: "table-wrap", attrs: { role: "region", "aria-label": caption, tabindex: "0" } },
    h(
      "table",
      {},
      h("caption", { text: caption }),
      h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { text: t, attrs: { scope: "col" } })))),
      h("tbody", {}, ...rows),
    ),
  );
}

export function cell(...content: Array<Node | string>): HTMLTableCellElement {
  return h("td", {}, ...content);
}
