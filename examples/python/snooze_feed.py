"""Snooze a notification and watch it come back on the user's live feed.

A backend service (API key with the `send` and `admin` scopes) sends a
notification that expires in an hour (`ttl`), then snoozes it for
`--seconds` on the user's behalf (a user's app would snooze with its user
token and no user_id). The user's feed (user token) shows it leave the inbox
(a `changed` event, CHANGE_KIND_SNOOZED) and come back once the time is up (a
`returned` event carrying the notification, now first in List).

    export HERALD_TARGET=127.0.0.1:8080 HERALD_API_KEY=hk_... HERALD_USER_TOKEN=eyJ...
    python snooze_feed.py --user demo-user --seconds 5

Like follow_feed.py, each step is printed for people, then as a JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import grpc
from google.protobuf import duration_pb2, timestamp_pb2
from herald.v1 import feed_pb2
from herald.v1 import notification_service_pb2 as pb
from herald.v1 import notification_service_pb2_grpc as rpc


def emit(text: str, record: dict[str, Any]) -> None:
    print(text, flush=True)
    print(json.dumps(record, separators=(",", ":")), flush=True)


def bearer(credential: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {credential}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", default="demo-user")
    parser.add_argument("--seconds", type=int, default=5, help="how long to snooze (1 to 60)")
    args = parser.parse_args()
    api_key, user_token = os.environ["HERALD_API_KEY"], os.environ["HERALD_USER_TOKEN"]
    with grpc.insecure_channel(os.environ.get("HERALD_TARGET", "127.0.0.1:8080")) as channel:
        herald = rpc.NotificationServiceStub(channel)
        # The feed first, so no event is missed; a stream without a cursor starts with `synced`.
        feed = herald.Subscribe(pb.SubscribeRequest(), metadata=bearer(user_token), timeout=args.seconds + 30)
        next(feed)
        sent = herald.Send(
            pb.SendRequest(
                user_ids=[args.user],
                category="example.snooze",
                title="Remind me later",
                body="Sent with grpcio.",
                ttl=duration_pb2.Duration(seconds=3600),
            ),
            metadata=bearer(api_key),
            timeout=10,
        )
        notification = sent.notifications[0]
        emit(
            f"sent       {notification.id}, expires at {notification.expire_time.ToJsonString()}",
            {"kind": "send", "id": notification.id, "expires": notification.expire_time.seconds},
        )
        until = timestamp_pb2.Timestamp()
        until.FromSeconds(int(time.time()) + args.seconds)
        snoozed = herald.SnoozeNotifications(
            pb.SnoozeNotificationsRequest(user_id=args.user, notification_ids=[notification.id], snooze_until=until),
            metadata=bearer(api_key),
            timeout=10,
        )
        emit(f"snoozed    {snoozed.changed_count} for {args.seconds} s", {"kind": "snooze", "changed": snoozed.changed_count})
        for response in feed:
            event = response.event
            which = event.WhichOneof("kind")
            if which == "changed":
                kind = feed_pb2.ChangeKind.Name(event.changed.kind)
                emit(f"changed    {kind} {list(event.changed.notification_ids)}", {"kind": "changed", "change": kind})
            elif which == "returned":
                back = event.returned.notification
                emit(f"returned   {back.id} ({back.title})", {"kind": "returned", "id": back.id})
                break
        first = herald.List(pb.ListRequest(page_size=1), metadata=bearer(user_token), timeout=10).notifications[0]
        emit(f"first      {first.id} is first in List", {"kind": "list", "first": first.id})
        feed.cancel()


if __name__ == "__main__":
    main()
