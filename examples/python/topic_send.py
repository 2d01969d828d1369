"""Send one notification to every member of a topic, and follow the fan-out.

A backend service with an API key of scope `admin` (topics are managed with
it; it may also send and read):

1. creates the topic (ALREADY_EXISTS on a re-run is fine: it is reused);
2. adds `--members` users (<prefix>-0, <prefix>-1, ...) in calls of
   `--batch-size` (AddSubscribers takes up to 10,000 ids per call);
3. sends to the topic, leaving out the member whose action caused it (the
   "actor", <prefix>-0). Send returns a fan-out id at once, with no
   notifications: workers write them in chunks;
4. polls GetFanout until it is DONE and prints planned/written;
5. lists one member's inbox (<prefix>-1), which now holds the notification.

    export HERALD_TARGET=127.0.0.1:8080 HERALD_ADMIN_KEY=hk_...
    python topic_send.py --user-prefix demo-user --members 2500

Like follow_feed.py, each result is printed for people, then as a JSON line.
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
from herald.v1 import topic_service_pb2 as topic_pb
from herald.v1 import topic_service_pb2_grpc as topic_rpc

Metadata = list[tuple[str, str]]
CATEGORY = "example.topic"


def emit(text: str, record: dict[str, Any]) -> None:
    print(text, flush=True)
    print(json.dumps(record, separators=(",", ":")), flush=True)


def ensure_topic(topics: topic_rpc.TopicServiceStub, metadata: Metadata, key: str) -> bool:
    """Creates the topic; one that exists already (a re-run) is used as it is."""
    try:
        topics.CreateTopic(
            topic_pb.CreateTopicRequest(key=key, name="Followers of the example project"),
            metadata=metadata,
            timeout=10,
        )
        return True
    except grpc.RpcError as err:
        if cast(grpc.Call, err).code() == grpc.StatusCode.ALREADY_EXISTS:
            return False
        raise


def add_members(
    topics: topic_rpc.TopicServiceStub, metadata: Metadata, key: str, prefix: str, members: int, batch_size: int
) -> None:
    """Adds <prefix>-0 ... <prefix>-(members-1), batch_size per call.

    Each call is all or nothing, and members already in are no error, so a
    failed call can simply be made again.
    """
    added = subscriber_count = calls = 0
    for start in range(0, members, batch_size):
        user_ids = [f"{prefix}-{i}" for i in range(start, min(start + batch_size, members))]
        response: topic_pb.AddSubscribersResponse = topics.AddSubscribers(
            topic_pb.AddSubscribersRequest(topic_key=key, user_ids=user_ids), metadata=metadata, timeout=30
        )
        added += response.added_count
        subscriber_count = response.subscriber_count
        calls += 1
    emit(
        f"members    {added} added in {calls} calls; the topic has {subscriber_count}",
        {"kind": "subscribers", "added": added, "subscriber_count": subscriber_count, "calls": calls},
    )


def wait_for_fanout(
    notifications: rpc.NotificationServiceStub, metadata: Metadata, fanout_id: str, timeout: float
) -> pb.Fanout:
    """Polls GetFanout until the fan-out has finished (DONE or CANCELED)."""
    deadline = time.monotonic() + timeout
    finished = (pb.FANOUT_STATE_DONE, pb.FANOUT_STATE_CANCELED)
    while True:
        response: pb.GetFanoutResponse = notifications.GetFanout(
            pb.GetFanoutRequest(id=fanout_id), metadata=metadata, timeout=10
        )
        fanout = response.fanout
        print(f"fan-out    {pb.FanoutState.Name(fanout.state)}: {fanout.written} of {fanout.planned} written", flush=True)
        if fanout.state in finished:
            return fanout
        if time.monotonic() > deadline:
            raise SystemExit(f"fan-out {fanout_id} not finished after {timeout} s")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topic", default="example.project.followers", help="the topic's key")
    parser.add_argument("--user-prefix", default="demo-user", help="members are PREFIX-0, PREFIX-1, ...")
    parser.add_argument("--members", type=int, default=2500, help="members to add (default 2500, at least 2)")
    parser.add_argument("--batch-size", type=int, default=1000, help="ids per AddSubscribers call (1 to 10000)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the fan-out")
    args = parser.parse_args()
    if args.members < 2 or not 1 <= args.batch_size <= 10000:
        parser.error("--members must be at least 2 and --batch-size 1 to 10000")
    target = os.environ.get("HERALD_TARGET", "127.0.0.1:8080")
    api_key = os.environ.get("HERALD_ADMIN_KEY", "")
    if not api_key:
        parser.error("set HERALD_ADMIN_KEY (scope admin)")
    metadata = [("authorization", f"Bearer {api_key}")]
    actor, reader = f"{args.user_prefix}-0", f"{args.user_prefix}-1"

    with grpc.insecure_channel(target) as channel:
        topics = topic_rpc.TopicServiceStub(channel)
        notifications = rpc.NotificationServiceStub(channel)
        try:
            created = ensure_topic(topics, metadata, args.topic)
            emit(
                f"topic      {args.topic} ({'created' if created else 'already there'})",
                {"kind": "topic", "key": args.topic, "created": created},
            )
            add_members(topics, metadata, args.topic, args.user_prefix, args.members, args.batch_size)

            sent: pb.SendResponse = notifications.Send(
                pb.SendRequest(
                    topics=[args.topic],
                    exclude_user_ids=[actor],  # the actor does not need to hear about their own comment
                    category=CATEGORY,
                    title="New comment on the example project",
                    body=f"{actor}: looks good to me",
                    action_url="/projects/example#comments",
                ),
                metadata=metadata,
                timeout=10,
            )
            emit(f"sent       fan-out {sent.fanout_id}", {"kind": "send", "fanout_id": sent.fanout_id})

            fanout = wait_for_fanout(notifications, metadata, sent.fanout_id, args.timeout)
            record: dict[str, Any] = {
                "kind": "fanout",
                "id": fanout.id,
                "state": pb.FanoutState.Name(fanout.state),
                "planned": fanout.planned,
                "written": fanout.written,
                "failed": fanout.failed,
            }
            if fanout.error:
                record["error"] = fanout.error
            emit(f"fan-out    {record['state']}: planned {fanout.planned}, written {fanout.written}", record)

            inbox: pb.ListResponse = notifications.List(
                pb.ListRequest(user_id=reader, category=CATEGORY, page_size=5), metadata=metadata, timeout=10
            )
            titles = [n.title for n in inbox.notifications]
            emit(f"inbox      {reader}: {titles}", {"kind": "inbox", "user_id": reader, "titles": titles})
        except grpc.RpcError as err:
            # NOT_FOUND names a topic that does not exist; PERMISSION_DENIED: the
            # key lacks the admin scope; RESOURCE_EXHAUSTED: too many fan-outs in
            # flight for the key (FANOUTS_IN_FLIGHT_PER_KEY) or the topic is full.
            call = cast(grpc.Call, err)
            raise SystemExit(f"failed: {call.code().name}: {call.details()}") from None


if __name__ == "__main__":
    main()
