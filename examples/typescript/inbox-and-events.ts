// An inbox's states and the tenant's event stream, from Node with connect-es:
//
//  1. opens EventService.WatchEvents (types notification.created, .seen and
//     .interacted) and waits for its first `synced`, so what follows is live;
//  2. sends a notification tagged `mention` with two actions (a named action
//     `approve` with a payload, and a link) and one tagged `billing`;
//  3. lists the inbox with three tabs (All, Mentions, Billing) and prints each
//     tab's unread and unseen counts and the bell's unseen count;
//  4. marks everything seen (MarkRead, CHANGE_KIND_SEEN): unseen drops to 0,
//     unread stays 2;
//  5. takes the action `approve` on the mention (InteractNotification): it is
//     recorded, and the notification becomes read and seen;
//  6. reads the stream until the `interacted` event of that notification
//     arrives (at most --timeout-seconds), printing each event of the user,
//     then the last cursor.
//
// Scopes: WatchEvents and List need `read`, Send `send`, MarkRead and
// InteractNotification for a user (`user_id`) `admin`, which covers the other
// two: one `admin` key runs it all (a user's app would use its user token for
// steps 3 to 5). Counts are those of a fresh user. Run against `npm start`:
//
//   HERALD_URL=http://127.0.0.1:8080 HERALD_API_KEY=hk_... npx tsx examples/typescript/inbox-and-events.ts --user demo-user-1
import { parseArgs } from "node:util";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { type Event, EventType } from "../../gen/ts/herald/v1/event_pb.js";
import { EventService } from "../../gen/ts/herald/v1/event_service_pb.js";
import { ChangeKind } from "../../gen/ts/herald/v1/feed_pb.js";
import { NotificationService } from "../../gen/ts/herald/v1/notification_service_pb.js";

const { values } = parseArgs({
  options: {
    user: { type: "string", default: "demo-user" },
    "timeout-seconds": { type: "string", default: "30" },
  },
});
const userId = values.user;
const baseUrl = process.env.HERALD_URL ?? "http://127.0.0.1:8080";
const apiKey = process.env.HERALD_API_KEY;
if (!apiKey) throw new Error("set HERALD_API_KEY to an API key with the admin scope (or send, read and admin)");

const bearer: Interceptor = (next) => (req) => {
  req.header.set("Authorization", `Bearer ${apiKey}`);
  return next(req);
};
const transport = createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer] });
const herald = createClient(NotificationService, transport);
const events = createClient(EventService, transport);
// The deadline bounds the whole run: an interacted event that never comes ends the
// stream with DEADLINE_EXCEEDED instead of waiting for ever. Aborting also closes it when done.
const done = new AbortController();
const seconds = Number(values["timeout-seconds"]);
const deadline = setTimeout(
  () => done.abort(new ConnectError(`no interacted event within ${seconds} s`, Code.DeadlineExceeded)),
  seconds * 1000,
);
const print = (step: Record<string, unknown>) => console.log(JSON.stringify(step));

/** `notification.created` for EventType.NOTIFICATION_CREATED: the names webhooks and the README use. */
const typeName = (type: EventType) => EventType[type].toLowerCase().replace("_", ".");

try {
  const stream = events
    .watchEvents(
      {
        // No cursor: start at the head, live only. A backend that stored a cursor passes it
        // here and gets every event after it first (replay), then `synced`, then live ones.
        types: [EventType.NOTIFICATION_CREATED, EventType.NOTIFICATION_SEEN, EventType.NOTIFICATION_INTERACTED],
      },
      { signal: done.signal },
    )
    [Symbol.asyncIterator]();
  let cursor = "";
  // Without a cursor the first message is `synced`; events sent after it are live.
  const first = await stream.next();
  if (first.done || first.value.kind.case !== "synced") throw new Error("the stream did not start with synced");
  cursor = first.value.kind.value.cursor;
  print({ step: "synced", cursor });

  const base = { userIds: [userId], category: "example.inbox", body: "Sent by inbox-and-events.ts." };
  const mention = await herald.send({
    ...base,
    title: "Ada mentioned you in the launch plan",
    tags: ["mention"],
    actions: [
      // A named action: the inbox reports it with InteractNotification, and Herald
      // gives the payload back in the `interacted` event (to webhooks and this stream).
      { id: "approve", label: "Approve", payload: { document: "launch-plan", decision: "approved" } },
      // A link: the inbox opens it (and may report the click the same way).
      { id: "open", label: "Open the plan", url: "/docs/launch-plan" },
    ],
  });
  const billing = await herald.send({ ...base, title: "Your invoice is ready", tags: ["billing"] });
  const mentionId = mention.notifications[0]?.id as string;
  const billingId = billing.notifications[0]?.id as string;
  const actions = mention.notifications[0]?.actions.map((a) => a.id);
  print({ step: "send", mention: mentionId, billing: billingId, actions });

  // One List returns the counts of every tab, whatever the page: "All 2 · Mentions 1 · Billing 1".
  const inbox = await herald.list({
    userId,
    pageSize: 10,
    tabs: [{ id: "all" }, { id: "mentions", tags: ["mention"] }, { id: "billing", tags: ["billing"] }],
  });
  print({
    step: "tabs",
    tabs: inbox.tabCounts.map((t) => ({ id: t.id, unread: t.unreadCount, unseen: t.unseenCount })),
    unread: inbox.unreadCount,
    unseen: inbox.unseenCount,
  });

  // Seen is the bell badge (the user opened the list); read is each notification's dot.
  const seen = await herald.markRead({ userId, all: true, change: ChangeKind.SEEN });
  print({ step: "seen", changed: seen.changedCount, unseen: seen.unseenCount, unread: seen.unreadCount });

  const acted = await herald.interactNotification({ userId, id: mentionId, actionId: "approve" });
  const n = acted.notification;
  print({
    step: "interact",
    id: n?.id,
    action: n?.interaction?.actionId,
    read: n?.readTime !== undefined,
    unread: acted.unreadCount,
    unseen: acted.unseenCount,
  });

  // The stream carries the whole tenant's events: keep this user's.
  for (;;) {
    const next = await stream.next();
    if (next.done) throw new Error("the stream ended before the interacted event");
    const { kind } = next.value;
    if (kind.case === undefined) continue;
    cursor = kind.value.cursor; // events, heartbeats and synced all carry it
    if (kind.case !== "event" || kind.value.userId !== userId) continue;
    const event: Event = kind.value;
    const changed = event.payload.case === "changed" ? event.payload.value : undefined;
    const action = changed?.detail?.action_id;
    print({
      step: "event",
      type: typeName(event.type),
      notification: event.notificationId, // empty for a change of all (`all`)
      all: changed?.all ?? false,
      ...(action === undefined ? {} : { action }),
    });
    if (event.type === EventType.NOTIFICATION_INTERACTED && event.notificationId === mentionId) break;
  }
  // A backend stores this cursor (with what it did with the events, in one transaction)
  // and passes it as WatchEventsRequest.cursor when it reconnects, to any Herald process:
  // it gets every event after it exactly once, then `synced`, then live events.
  print({ step: "cursor", cursor });
} catch (error) {
  const err = ConnectError.from(error);
  console.error(`Herald said ${Code[err.code]}: ${err.rawMessage}`);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  done.abort(); // closes the stream
}
