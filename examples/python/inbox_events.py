"""An inbox's states and the tenant's event stream, with grpcio and `herald-client`.

A backend service with an API key of scope `admin`:

1. opens EventService.WatchEvents (types notification.created, .seen and
   .interacted) and waits for its first `synced`, so what follows is live;
2. sends a notification tagged `mention` with two actions (a named action
   `approve` with a payload, and a link) and one tagged `billing`;
3. lists the inbox with three tabs (All, Mentions, Billing) and prints each
   tab's unread and unseen counts and the bell's unseen count;
4. marks everything seen (MarkRead, CHANGE_KIND_SEEN): unseen drops to 0,
   unread stays 2;
5. takes the action `approve` on the mention (InteractNotification): it is
   recorded, and the notification becomes read and seen;
6. reads the stream until the `interacted` event of that notification arrives
   (at most --timeout-seconds), printing each event of the user, then the
   last cursor.

Scopes: WatchEvents and List need `read`, Send `send`, MarkRead and
InteractNotification for a user (`user_id`) `admin`, which covers the other
two: one `admin` key runs it all. Counts are those of a fresh user.

    export HERALD_TARGET=127.0.0.1:8080 HERALD_API_KEY=hk_...
    python inbox_events.py --user demo-user-1

Like the other examples, each result is printed for people, then as a JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from typing import Any, cast

import grpc
from google.protobuf import struct_pb2
from herald.v1 import event_pb2, feed_pb2, notification_pb2
from herald.v1 import event_service_pb2 as events_pb
from herald.v1 import event_service_pb2_grpc as events_rpc
from herald.v1 import notification_service_pb2 as pb
from herald.v1 import notification_service_pb2_grpc as rpc

CATEGORY = "example.inbox"


def emit(text: str, record: dict[str, Any]) -> None:
    print(text, flush=True)
    print(json.dumps(record, separators=(",", ":")), flush=True)


def type_name(event_type: int) -> str:
    """`notification.created` for EVENT_TYPE_NOTIFICATION_CREATED: the names webhooks and the README use."""
    name = event_pb2.EventType.Name(cast(Any, event_type)).removeprefix("EVENT_TYPE_").lower()
    return name.replace("_", ".", 1)


def inbox_steps(herald: rpc.NotificationServiceStub, user: str, metadata: list[tuple[str, str]]) -> str:
    """Sends the two notifications, lists the tabs, marks all seen, takes the action; returns the mention's id."""
    # A named action: the inbox reports it with InteractNotification, and Herald gives
    # the payload back in the `interacted` event (to webhooks and the event stream).
    payload = struct_pb2.Struct()
    payload.update({"document": "launch-plan", "decision": "approved"})
    actions = [
        notification_pb2.Action(id="approve", label="Approve", payload=payload),
        notification_pb2.Action(id="open", label="Open the plan", url="/docs/launch-plan"),  # a link
    ]
    base: dict[str, Any] = {"user_ids": [user], "category": CATEGORY, "body": "Sent by inbox_events.py."}
    mention: pb.SendResponse = herald.Send(
        pb.SendRequest(title="Ada mentioned you in the launch plan", tags=["mention"], actions=actions, **base),
        metadata=metadata,
        timeout=10,
    )
    billing: pb.SendResponse = herald.Send(
        pb.SendRequest(title="Your invoice is ready", tags=["billing"], **base), metadata=metadata, timeout=10
    )
    sent = mention.notifications[0]
    names = [a.id for a in sent.actions]
    emit(
        f"sent       mention {sent.id} (actions {names}), billing {billing.notifications[0].id}",
        {"kind": "send", "mention": sent.id, "billing": billing.notifications[0].id, "actions": names},
    )

    # One List returns the counts of every tab, whatever the page: "All 2 · Mentions 1 · Billing 1".
    tabs = [pb.Tab(id="all"), pb.Tab(id="mentions", tags=["mention"]), pb.Tab(id="billing", tags=["billing"])]
    inbox: pb.ListResponse = herald.List(
        pb.ListRequest(user_id=user, page_size=10, tabs=tabs), metadata=metadata, timeout=10
    )
    counts = [{"id": t.id, "unread": t.unread_count, "unseen": t.unseen_count} for t in inbox.tab_counts]
    emit(
        "tabs       " + " · ".join(f"{t.id} {t.unread_count} unread, {t.unseen_count} unseen" for t in inbox.tab_counts),
        {"kind": "tabs", "tabs": counts, "unread": inbox.unread_count, "unseen": inbox.unseen_count},
    )

    # Seen is the bell badge (the user opened the list); read is each notification's dot.
    seen: pb.MarkReadResponse = herald.MarkRead(
        pb.MarkReadRequest(user_id=user, all=True, change=feed_pb2.CHANGE_KIND_SEEN), metadata=metadata, timeout=10
    )
    emit(
        f"seen       {seen.changed_count} marked seen: {seen.unseen_count} unseen, {seen.unread_count} unread",
        {"kind": "seen", "changed": seen.changed_count, "unseen": seen.unseen_count, "unread": seen.unread_count},
    )

    acted: pb.InteractNotificationResponse = herald.InteractNotification(
        pb.InteractNotificationRequest(user_id=user, id=sent.id, action_id="approve"), metadata=metadata, timeout=10
    )
    n = acted.notification
    emit(
        f"interact   {n.interaction.action_id} on {n.id}: {acted.unread_count} unread",
        {
            "kind": "interact",
            "id": n.id,
            "action": n.interaction.action_id,
            "read": n.HasField("read_time"),
            "unread": acted.unread_count,
            "unseen": acted.unseen_count,
        },
    )
    return sent.id


def follow_events(stream: Iterator[events_pb.WatchEventsResponse], user: str, notification_id: str) -> str:
    """Reads the stream until the interacted event of `notification_id`; returns the last cursor."""
    cursor = ""
    for message in stream:
        kind = message.WhichOneof("kind")
        if kind is None:
            continue
        cursor = getattr(message, kind).cursor  # events, heartbeats and synced all carry it
        event = message.event
        # The stream carries the whole tenant's events: keep this user's.
        if kind != "event" or event.user_id != user:
            continue
        record: dict[str, Any] = {
            "kind": "event",
            "type": type_name(event.type),
            "notification": event.notification_id,  # empty for a change of all (`all`)
            "all": event.changed.all,
        }
        if "action_id" in event.changed.detail.fields:
            record["action"] = event.changed.detail["action_id"]
        emit(f"event      {record['type']} {event.notification_id or '(all)'}", record)
        if event.type == event_pb2.EVENT_TYPE_NOTIFICATION_INTERACTED and event.notification_id == notification_id:
            return cursor
    raise SystemExit("the stream ended before the interacted event")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", default="demo-user", help="the recipient")
    parser.add_argument("--timeout-seconds", type=float, default=30, help="the longest the stream may stay open")
    args = parser.parse_args()
    target = os.environ.get("HERALD_TARGET", "127.0.0.1:8080")
    api_key = os.environ.get("HERALD_API_KEY", "")
    if not api_key:
        parser.error("set HERALD_API_KEY (scope admin)")
    metadata = [("authorization", f"Bearer {api_key}")]

    with grpc.insecure_channel(target) as channel:
        herald = rpc.NotificationServiceStub(channel)
        try:
            # No cursor: start at the head, live only. A backend that stored a cursor passes
            # it and gets every event after it first (replay), then `synced`, then live ones.
            # The timeout bounds the stream: an interacted event that never comes ends it
            # with DEADLINE_EXCEEDED.
            request = events_pb.WatchEventsRequest(
                types=[
                    event_pb2.EVENT_TYPE_NOTIFICATION_CREATED,
                    event_pb2.EVENT_TYPE_NOTIFICATION_SEEN,
                    event_pb2.EVENT_TYPE_NOTIFICATION_INTERACTED,
                ]
            )
            stream = events_rpc.EventServiceStub(channel).WatchEvents(
                request, metadata=metadata, timeout=args.timeout_seconds
            )
            # Without a cursor the first message is `synced`; events sent after it are live.
            first: events_pb.WatchEventsResponse = next(stream)
            if first.WhichOneof("kind") != "synced":
                raise SystemExit("the stream did not start with synced")
            started = time.monotonic()
            emit(f"synced     at cursor {first.synced.cursor}", {"kind": "synced", "cursor": first.synced.cursor})

            mention_id = inbox_steps(herald, args.user, metadata)
            cursor = follow_events(stream, args.user, mention_id)
            stream.cancel()  # closes the stream
            # A backend stores this cursor (with what it did with the events, in one
            # transaction) and passes it as WatchEventsRequest.cursor when it reconnects, to
            # any Herald process: it gets every event after it exactly once, then `synced`,
            # then live events.
            emit(
                f"cursor     {cursor} ({time.monotonic() - started:.1f} s after synced)",
                {"kind": "cursor", "cursor": cursor},
            )
        except grpc.RpcError as err:
            call = cast(grpc.Call, err)
            raise SystemExit(f"Herald said {call.code().name}: {call.details()}") from None


if __name__ == "__main__":
    main()
