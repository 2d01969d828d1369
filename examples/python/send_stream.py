"""Stream many notifications through one SendStream call, then send a few in one SendBatch.

A backend service (API key with the `send` scope):

1. streams `--count` single-recipient Sends (to <prefix>-0, <prefix>-1, ...)
   on one SendStream call and counts the answers, which come one per item, in
   order. The item in the middle goes to a user id with a space, which Herald
   refuses: that item alone is answered with its error (code, message and the
   field at fault) and the stream goes on;
2. sends `--batch` Sends in one SendBatch call (a unary call, for clients
   that cannot stream requests), the last one with a link Herald refuses.

    export HERALD_TARGET=127.0.0.1:8080 HERALD_API_KEY=hk_...
    python send_stream.py --user-prefix demo-user --count 100

Like follow_feed.py, each result is printed for people, then as a JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from typing import Any, cast

import grpc
from herald.v1 import notification_service_pb2 as pb
from herald.v1 import notification_service_pb2_grpc as rpc


def emit(text: str, record: dict[str, Any]) -> None:
    print(text, flush=True)
    print(json.dumps(record, separators=(",", ":")), flush=True)


def stream_items(prefix: str, count: int) -> Iterator[pb.SendStreamRequest]:
    """The Sends to stream. grpcio pulls them from this generator as flow control allows."""
    invalid = count // 2
    for i in range(count):
        yield pb.SendStreamRequest(
            ref=f"order-{i}",  # our own label, returned with the answer
            send=pb.SendRequest(
                user_ids=["not a user id" if i == invalid else f"{prefix}-{i}"],
                category="example.stream",
                title=f"Order {i} shipped",
                body="Sent in a SendStream from Python.",
                # A retried stream with the same keys sends nothing twice.
                idempotency_key=f"example-stream-{prefix}-{i}",
            ),
        )


Metadata = list[tuple[str, str]]


def stream(notifications: rpc.NotificationServiceStub, metadata: Metadata, prefix: str, count: int) -> None:
    sent = failed = 0
    # Answers come in the order of the items, while later items are still being
    # sent; iterating raises grpc.RpcError only if the whole stream fails.
    answers: Iterator[pb.SendStreamResponse] = notifications.SendStream(
        stream_items(prefix, count), metadata=metadata, timeout=60
    )
    for answer in answers:
        if answer.result.HasField("error"):
            failed += 1
            err = answer.result.error
            emit(
                f"error      item {answer.index} ({answer.ref}): {err.code}: {err.message}",
                {
                    "kind": "stream_error",
                    "index": answer.index,
                    "ref": answer.ref,
                    "code": err.code,
                    "field": err.field,
                    "message": err.message,
                },
            )
        elif answer.result.HasField("sent"):
            sent += 1
    emit(f"stream     {sent} sent, {failed} failed", {"kind": "stream", "sent": sent, "errors": failed})


def batch(notifications: rpc.NotificationServiceStub, metadata: Metadata, prefix: str, count: int) -> None:
    # The last item links to //evil.example, which browsers would resolve to
    # another host: Herald refuses it, naming action_url, and sends the rest.
    items = [
        pb.SendRequest(
            user_ids=[f"{prefix}-{i}"],
            category="example.batch",
            title="Your weekly digest",
            body="Sent in a SendBatch from Python.",
            action_url="//evil.example/digest" if i == count - 1 else "/digest",
            # If the call is lost midway, sending the same batch again is safe.
            idempotency_key=f"example-batch-{prefix}-{i}",
        )
        for i in range(count)
    ]
    response: pb.SendBatchResponse = notifications.SendBatch(
        pb.SendBatchRequest(items=items), metadata=metadata, timeout=30
    )
    sent = failed = 0
    for index, result in enumerate(response.results):  # one per item, in order
        if result.HasField("error"):
            failed += 1
            err = result.error
            emit(
                f"error      batch item {index}: {err.code}: {err.message}",
                {"kind": "batch_error", "index": index, "code": err.code, "field": err.field, "message": err.message},
            )
        else:
            sent += 1
    emit(f"batch      {sent} sent, {failed} failed", {"kind": "batch", "sent": sent, "errors": failed})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user-prefix", default="demo-user", help="recipients are PREFIX-0, PREFIX-1, ...")
    parser.add_argument("--count", type=int, default=100, help="Sends to stream (default 100)")
    parser.add_argument("--batch", type=int, default=10, help="Sends in the SendBatch afterwards (default 10, 0: none)")
    args = parser.parse_args()
    if args.count < 1 or not 0 <= args.batch <= 1000:
        parser.error("--count must be at least 1 and --batch 0 to 1000")
    target = os.environ.get("HERALD_TARGET", "127.0.0.1:8080")
    api_key = os.environ.get("HERALD_API_KEY", "")
    if not api_key:
        parser.error("set HERALD_API_KEY (scope send)")
    metadata = [("authorization", f"Bearer {api_key}")]

    with grpc.insecure_channel(target) as channel:
        notifications = rpc.NotificationServiceStub(channel)
        try:
            stream(notifications, metadata, args.user_prefix, args.count)
            if args.batch:
                batch(notifications, metadata, args.user_prefix, args.batch)
        except grpc.RpcError as err:
            # The whole call failed (PERMISSION_DENIED, RESOURCE_EXHAUSTED for too
            # many open streams, UNAVAILABLE), unlike one item's error.
            call = cast(grpc.Call, err)
            raise SystemExit(f"failed: {call.code().name}: {call.details()}") from None


if __name__ == "__main__":
    main()
