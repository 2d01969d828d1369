"""Escalate a notification with a Herald workflow: in-app now, email if still unread later.

A backend service (API key with scopes `admin` for WorkflowService and `send`):

1. upserts the workflow `example-escalation`: deliver in-app, wait, continue
   only if `!notification.read`, deliver by email (the server must offer
   email: SMTP_URL);
2. sends a notification that runs it (`workflow` names it; `cancellation_key`
   lets WorkflowService.CancelWorkflows stop the escalation later);
3. prints the notification's run from ListWorkflowRuns: each step's state,
   what waits until when.

    export HERALD_TARGET=127.0.0.1:8080 HERALD_API_KEY=hk_...
    python escalation.py --user demo-user --escalate-after 3600

Like follow_feed.py, each result is printed for people, then as a JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from typing import Any, cast

import grpc
from google.protobuf import duration_pb2
from herald.v1 import notification_pb2
from herald.v1 import notification_service_pb2 as pb
from herald.v1 import notification_service_pb2_grpc as rpc
from herald.v1 import workflow_pb2 as wf
from herald.v1 import workflow_service_pb2 as wfs
from herald.v1 import workflow_service_pb2_grpc as wfs_rpc


def emit(text: str, record: dict[str, Any]) -> None:
    print(text, flush=True)
    print(json.dumps(record, separators=(",", ":")), flush=True)


def escalation(escalate_after: int) -> wf.Workflow:
    """In-app at once; after `escalate_after` seconds, email if still unread."""
    return wf.Workflow(
        key="example-escalation",
        description="In-app now; email if still unread after a while.",
        steps=[
            wf.WorkflowStep(deliver=wf.DeliverStep(channels=[notification_pb2.CHANNEL_IN_APP])),
            wf.WorkflowStep(delay=wf.DelayStep(duration=duration_pb2.Duration(seconds=escalate_after))),
            wf.WorkflowStep(condition=wf.ConditionStep(expression="!notification.read")),
            wf.WorkflowStep(deliver=wf.DeliverStep(channels=[notification_pb2.CHANNEL_EMAIL])),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", required=True, help="the recipient")
    parser.add_argument("--escalate-after", type=int, default=3600, metavar="SECONDS", help="delay before the email")
    args = parser.parse_args()
    target = os.environ.get("HERALD_TARGET", "127.0.0.1:8080")
    api_key = os.environ.get("HERALD_API_KEY", "")
    if not api_key:
        parser.error("set HERALD_API_KEY (scopes admin and send)")
    metadata = [("authorization", f"Bearer {api_key}")]

    with grpc.insecure_channel(target) as channel:
        workflows = wfs_rpc.WorkflowServiceStub(channel)
        notifications = rpc.NotificationServiceStub(channel)
        try:
            # An upsert identical to the current version keeps it (no new version).
            upserted: wfs.UpsertWorkflowResponse = workflows.UpsertWorkflow(
                wfs.UpsertWorkflowRequest(workflow=escalation(args.escalate_after)), metadata=metadata, timeout=10
            )
            w = upserted.workflow
            emit(f"workflow   {w.key} v{w.version}", {"kind": "workflow", "key": w.key, "version": w.version})

            # With a workflow, `channels` stays empty: its deliver steps decide.
            sent: pb.SendResponse = notifications.Send(
                pb.SendRequest(
                    user_ids=[args.user],
                    category="example.escalation",
                    title="New comment on your document",
                    body="Sent through the example-escalation workflow.",
                    workflow=w.key,
                    cancellation_key=f"example-{uuid.uuid4()}",
                ),
                metadata=metadata,
                timeout=10,
            )
            notification_id = sent.notifications[0].id
            emit(f"sent       {notification_id}", {"kind": "sent", "id": notification_id})

            runs: wfs.ListWorkflowRunsResponse = workflows.ListWorkflowRuns(
                wfs.ListWorkflowRunsRequest(notification_id=notification_id), metadata=metadata, timeout=10
            )
        except grpc.RpcError as err:
            call = cast(grpc.Call, err)
            raise SystemExit(f"failed: {call.code().name}: {call.details()}") from None

    for run in runs.runs:
        status = wf.WorkflowRunStatus.Name(run.status).removeprefix("WORKFLOW_RUN_STATUS_")
        steps = []
        for step in run.steps:
            state = wf.WorkflowStepState.Name(step.state).removeprefix("WORKFLOW_STEP_STATE_")
            due = step.due_time.ToJsonString() if step.HasField("due_time") else ""
            steps.append({"kind": step.kind, "state": state, "reason": step.reason, "due": due})
        emit(
            f"run        {run.id} {run.workflow_key} v{run.workflow_version}: {status}\n"
            + "\n".join(f"  step {i} {s['kind']:<9} {s['state']:<8} {s['reason']} {s['due']}" for i, s in enumerate(steps)),
            {"kind": "run", "id": run.id, "notification_id": run.notification_id, "status": status, "steps": steps},
        )


if __name__ == "__main__":
    main()
