"""Send notifications to a user, then follow that user's live feed from Herald.

The two sides of Herald's API, with grpcio and the generated `herald-client`:
a backend service sends with an API key; a user's app follows its feed with a
user token, and when the stream breaks (Herald restarting, a network blip) it
reconnects with the cursor of the last event it got, so Herald replays exactly
the events it missed: no gap, no duplicate.

    export HERALD_TARGET=127.0.0.1:8080 HERALD_API_KEY=hk_... HERALD_USER_TOKEN=eyJ...
    python follow_feed.py --user demo-user --send 3 --max-events 3

Each event is printed twice on stdout: a line for people, then a JSON line for
programs (`... | grep '^{' | jq`).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from typing import Any, cast

import grpc
from herald.v1 import feed_pb2
from herald.v1 import notification_service_pb2 as pb
from herald.v1 import notification_service_pb2_grpc as rpc

# Retrying cannot fix these: a bad or expired credential, a missing scope,
# another user's feed, a malformed request or cursor.
FATAL = {
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.INVALID_ARGUMENT,
}
# Attempts in a row without an event before giving up: about 35 s, enough for a restart.
MAX_RECONNECTS = 20
BACKOFF_SECONDS = [0.25, 0.5, 1.0, 2.0]  # then 2 s between later attempts


@dataclass
class Feed:
    """What the follower remembers across reconnects."""

    cursor: str = ""  # empty: start live, with no replay
    created: int = 0
    failures: int = 0
    sent: bool = False


def emit(text: str, record: dict[str, Any]) -> None:
    # Flush each line: whoever reads a pipe (jq, a test) sees events as they happen.
    print(text, flush=True)
    print(json.dumps(record, separators=(",", ":")), flush=True)


def bearer(credential: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {credential}")]


def send(stub: rpc.NotificationServiceStub, api_key: str, user: str, count: int) -> None:
    for i in range(1, count + 1):
        title = f"Hello {i} of {count}"
        # Tags drive the inbox's filters and tab counts (List `tags`, `tabs`).
        request = pb.SendRequest(
            user_ids=[user], category="example", title=title, body="From follow_feed.py", tags=["example"]
        )
        try:
            reply: pb.SendResponse = stub.Send(request, metadata=bearer(api_key), timeout=10)
        except grpc.RpcError as err:
            call = cast(grpc.Call, err)  # what grpcio raises is also the call
            # Not retried: a blind retry could send twice (see idempotency_key).
            raise SystemExit(f"Send failed: {call.code().name}: {call.details()}") from None
        sent_id = reply.notifications[0].id
        emit(f"sent       {title!r} ({sent_id})", {"kind": "sent", "id": sent_id, "title": title})


def show(event: feed_pb2.FeedEvent) -> None:
    kind = event.WhichOneof("kind")
    record: dict[str, Any] = {"kind": kind, "cursor": event.cursor, "unread": event.unread_count}
    text = f"[{event.cursor}] {kind:<10}"
    if kind == "created":
        n = event.created.notification
        record.update(id=n.id, title=n.title, tags=list(n.tags))
        text += f" {n.title!r} ({n.id})"
    elif kind == "changed":
        change = feed_pb2.ChangeKind.Name(event.changed.kind).removeprefix("CHANGE_KIND_")
        ids = list(event.changed.notification_ids)
        record.update(change=change, ids=ids, all=event.changed.all)
        text += f" {change} {'all' if event.changed.all else ', '.join(ids)}"
    elif kind == "interacted":
        # The user took an action (InteractNotification): it is now read and seen too.
        i = event.interacted
        record.update(id=i.notification_id, action=i.action_id)
        text += f" {i.action_id} on {i.notification_id}"
    elif kind == "synced":
        record["reset"] = event.synced.reset
        # reset: events after our cursor were pruned, so an app reloads its inbox with List.
        text += " caught up" + (" (reset: reload with List)" if event.synced.reset else "")
    emit(f"{text}  (unread {event.unread_count})", record)


def read_stream(
    stub: rpc.NotificationServiceStub, args: argparse.Namespace, feed: Feed, timeout: float
) -> bool:
    """Reads one Subscribe stream; True once --max-events notifications arrived."""
    request = pb.SubscribeRequest(user_id=args.user, cursor=feed.cursor)
    # The call's timeout is what is left of --timeout: the stream then ends with DEADLINE_EXCEEDED.
    call = stub.Subscribe(request, metadata=bearer(args.user_token), timeout=timeout)
    try:
        for response in call:
            event: feed_pb2.FeedEvent = response.event
            feed.cursor = event.cursor  # every event carries it, heartbeats too
            feed.failures = 0
            show(event)
            if event.HasField("created"):
                feed.created += 1
                if args.max_events and feed.created >= args.max_events:
                    return True
            elif event.HasField("synced") and not feed.sent:
                # Send only now: a stream opened without a cursor starts live, so
                # notifications sent before it would never show up on it.
                feed.sent = True
                send(stub, args.api_key, args.user, args.send)
        return False  # Herald ended the stream without an error: reconnect all the same
    finally:
        call.cancel()  # tells Herald we left; does nothing if the stream is over


def follow(stub: rpc.NotificationServiceStub, args: argparse.Namespace) -> str:
    """Follows the feed across reconnects; returns why it stopped."""
    feed, deadline = Feed(), time.monotonic() + args.timeout
    while (left := deadline - time.monotonic()) > 0:
        code = grpc.StatusCode.OK
        try:
            if read_stream(stub, args, feed, left):
                return "max-events"
        except grpc.RpcError as err:
            call = cast(grpc.Call, err)
            code = call.code()
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                return "timeout"
            if code in FATAL:
                raise SystemExit(f"Subscribe failed: {code.name}: {call.details()}") from None
        # UNAVAILABLE (Herald shutting down, unreachable) or anything else: resume
        # from the cursor, and Herald replays what happened in between.
        feed.failures += 1
        if feed.failures > MAX_RECONNECTS:
            raise SystemExit(f"gave up after {MAX_RECONNECTS} reconnects (last: {code.name})")
        delay = BACKOFF_SECONDS[min(feed.failures, len(BACKOFF_SECONDS)) - 1]
        emit(
            f"reconnect  from cursor {feed.cursor or '(live)'} in {delay} s after {code.name}",
            {"kind": "reconnect", "cursor": feed.cursor, "code": code.name, "attempt": feed.failures},
        )
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
    return "timeout"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", required=True, help="whose feed to follow (and to send to)")
    parser.add_argument("--send", type=int, default=0, metavar="N", help="notifications to send first")
    parser.add_argument("--max-events", type=int, default=0, metavar="M", help="stop after M created events")
    # Reaching --timeout is a normal end too (exit code 0): the last line says which it was.
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="stop after this long")
    args = parser.parse_args()
    # Credentials come from the environment, so they stay out of shell history and `ps`.
    args.target = os.environ.get("HERALD_TARGET", "127.0.0.1:8080")
    args.api_key = os.environ.get("HERALD_API_KEY", "")
    args.user_token = os.environ.get("HERALD_USER_TOKEN", "")
    if not args.user_token or (args.send and not args.api_key):
        parser.error("set HERALD_USER_TOKEN, and HERALD_API_KEY (scope send) to use --send")
    return args


def main() -> None:
    args = parse_args()
    # Herald speaks HTTP/2 cleartext; use grpc.secure_channel behind TLS. gRPC's own
    # reconnect backoff is kept short so our loop, not the channel, sets the pace.
    options = [("grpc.initial_reconnect_backoff_ms", 200), ("grpc.max_reconnect_backoff_ms", 1000)]
    with grpc.insecure_channel(args.target, options=options) as channel:
        reason = follow(rpc.NotificationServiceStub(channel), args)
    emit(f"done       ({reason})", {"kind": "done", "reason": reason})


if __name__ == "__main__":
    main()
