"""Threads, updates and retraction: one notification per thread, corrected, then withdrawn.

A backend service with an API key of scopes `send` and `read`:

1. sends three notifications of one thread (`group_key`) to a user: each
   Send replaces the previous one of the thread, so the inbox shows one
   "3 new comments" instead of three;
2. corrects the title (UpdateNotification): open inboxes get an `updated`
   event carrying version 2;
3. withdraws it (RetractNotification): it leaves the inbox and its counts,
   and its deliveries not yet made are canceled;
4. tries to update it again, which Herald refuses with FAILED_PRECONDITION.

    export HERALD_TARGET=127.0.0.1:8080 HERALD_API_KEY=hk_...
    python update_retract.py --user demo-user

Like the other examples, each result is printed for people, then as a JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any, cast

import grpc
from herald.v1 import notification_service_pb2 as pb
from herald.v1 import notification_service_pb2_grpc as rpc

CATEGORY = "example.thread"


def emit(text: str, record: dict[str, Any]) -> None:
    print(text, flush=True)
    print(json.dumps(record, separators=(",", ":")), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", default="demo-user", help="the recipient")
    args = parser.parse_args()
    target = os.environ.get("HERALD_TARGET", "127.0.0.1:8080")
    api_key = os.environ.get("HERALD_API_KEY", "")
    if not api_key:
        parser.error("set HERALD_API_KEY (scopes send and read)")
    metadata = [("authorization", f"Bearer {api_key}")]
    thread = f"comments:post-42:{time.time_ns()}"

    with grpc.insecure_channel(target) as channel:
        herald = rpc.NotificationServiceStub(channel)
        try:
            latest = ""
            for count in (1, 2, 3):
                sent: pb.SendResponse = herald.Send(
                    pb.SendRequest(
                        user_ids=[args.user],
                        category=CATEGORY,
                        title=f"{count} new comment{'s' if count > 1 else ''} on \"Launch plan\"",
                        body="Open the post to read them.",
                        group_key=thread,  # each Send replaces the user's previous one of the thread
                    ),
                    metadata=metadata,
                    timeout=10,
                )
                latest = sent.notifications[0].id
            inbox: pb.ListResponse = herald.List(
                pb.ListRequest(user_id=args.user, category=CATEGORY), metadata=metadata, timeout=10
            )
            titles = [n.title for n in inbox.notifications]
            emit(f"thread     {titles}", {"kind": "thread", "titles": titles, "unread": inbox.unread_count})

            updated: pb.UpdateNotificationResponse = herald.UpdateNotification(
                pb.UpdateNotificationRequest(id=latest, title='3 new comments on "Launch plan (v2)"'),
                metadata=metadata,
                timeout=10,
            )
            n = updated.notification
            emit(
                f"updated    version {n.version}: {n.title}",
                {"kind": "update", "changed": updated.changed, "version": n.version, "title": n.title},
            )

            retracted: pb.RetractNotificationResponse = herald.RetractNotification(
                pb.RetractNotificationRequest(id=latest), metadata=metadata, timeout=10
            )
            after: pb.ListResponse = herald.List(
                pb.ListRequest(user_id=args.user, category=CATEGORY), metadata=metadata, timeout=10
            )
            emit(
                f"retracted  {list(retracted.notification_ids)}; {len(after.notifications)} left in the inbox",
                {"kind": "retract", "retracted": len(retracted.notification_ids), "left": len(after.notifications)},
            )

            try:
                herald.UpdateNotification(
                    pb.UpdateNotificationRequest(id=latest, title="too late"), metadata=metadata, timeout=10
                )
            except grpc.RpcError as err:
                code = cast(grpc.Call, err).code().name
                emit(f"update     refused: {code}", {"kind": "update_after_retract", "code": code})
        except grpc.RpcError as err:
            call = cast(grpc.Call, err)
            raise SystemExit(f"failed: {call.code().name}: {call.details()}") from None


if __name__ == "__main__":
    main()
