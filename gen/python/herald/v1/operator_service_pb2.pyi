import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from herald.v1 import notification_pb2 as _notification_pb2
from herald.v1 import workflow_pb2 as _workflow_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WhoAmIRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WhoAmIResponse(_message.Message):
    __slots__ = ("kind", "name", "scopes", "key_id", "tenant_id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    kind: str
    name: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    key_id: str
    tenant_id: str
    def __init__(self, kind: _Optional[str] = ..., name: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., key_id: _Optional[str] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class SearchNotificationsRequest(_message.Message):
    __slots__ = ("user_id", "category", "delivery_status", "channel", "create_after", "create_before", "idempotency_key", "notification_id", "page_size", "page_token", "template_key")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_STATUS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CREATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREATE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_KEY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    category: str
    delivery_status: _notification_pb2.DeliveryStatus
    channel: _notification_pb2.Channel
    create_after: _timestamp_pb2.Timestamp
    create_before: _timestamp_pb2.Timestamp
    idempotency_key: str
    notification_id: str
    page_size: int
    page_token: str
    template_key: str
    def __init__(self, user_id: _Optional[str] = ..., category: _Optional[str] = ..., delivery_status: _Optional[_Union[_notification_pb2.DeliveryStatus, str]] = ..., channel: _Optional[_Union[_notification_pb2.Channel, str]] = ..., create_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., notification_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., template_key: _Optional[str] = ...) -> None: ...

class NotificationSummary(_message.Message):
    __slots__ = ("notification", "deliveries")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    notification: _notification_pb2.Notification
    deliveries: _containers.RepeatedCompositeFieldContainer[_notification_pb2.Delivery]
    def __init__(self, notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ..., deliveries: _Optional[_Iterable[_Union[_notification_pb2.Delivery, _Mapping]]] = ...) -> None: ...

class SearchNotificationsResponse(_message.Message):
    __slots__ = ("notifications", "next_page_token")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[NotificationSummary]
    next_page_token: str
    def __init__(self, notifications: _Optional[_Iterable[_Union[NotificationSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetNotificationLifeRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RenderedContent(_message.Message):
    __slots__ = ("channel", "channel_id", "subject", "text", "html", "error")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    HTML_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    channel: _notification_pb2.Channel
    channel_id: str
    subject: str
    text: str
    html: str
    error: str
    def __init__(self, channel: _Optional[_Union[_notification_pb2.Channel, str]] = ..., channel_id: _Optional[str] = ..., subject: _Optional[str] = ..., text: _Optional[str] = ..., html: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class GetNotificationLifeResponse(_message.Message):
    __slots__ = ("notification", "deliveries", "rendered", "workflow_runs", "trace_id", "template_key", "sender_key_id")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    RENDERED_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUNS_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_KEY_FIELD_NUMBER: _ClassVar[int]
    SENDER_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    notification: _notification_pb2.Notification
    deliveries: _containers.RepeatedCompositeFieldContainer[_notification_pb2.Delivery]
    rendered: _containers.RepeatedCompositeFieldContainer[RenderedContent]
    workflow_runs: _containers.RepeatedCompositeFieldContainer[_workflow_pb2.WorkflowRun]
    trace_id: str
    template_key: str
    sender_key_id: str
    def __init__(self, notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ..., deliveries: _Optional[_Iterable[_Union[_notification_pb2.Delivery, _Mapping]]] = ..., rendered: _Optional[_Iterable[_Union[RenderedContent, _Mapping]]] = ..., workflow_runs: _Optional[_Iterable[_Union[_workflow_pb2.WorkflowRun, _Mapping]]] = ..., trace_id: _Optional[str] = ..., template_key: _Optional[str] = ..., sender_key_id: _Optional[str] = ...) -> None: ...

class RetryDeliveriesRequest(_message.Message):
    __slots__ = ("delivery_ids",)
    DELIVERY_IDS_FIELD_NUMBER: _ClassVar[int]
    delivery_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, delivery_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RetryResult(_message.Message):
    __slots__ = ("delivery_id", "retried", "error", "delivery")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    RETRIED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    retried: bool
    error: str
    delivery: _notification_pb2.Delivery
    def __init__(self, delivery_id: _Optional[str] = ..., retried: _Optional[bool] = ..., error: _Optional[str] = ..., delivery: _Optional[_Union[_notification_pb2.Delivery, _Mapping]] = ...) -> None: ...

class RetryDeliveriesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[RetryResult]
    def __init__(self, results: _Optional[_Iterable[_Union[RetryResult, _Mapping]]] = ...) -> None: ...

class GetPipelineHealthRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChannelHealth(_message.Message):
    __slots__ = ("channel_id", "sent_total", "failed_total", "dead_total", "dead_now")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    SENT_TOTAL_FIELD_NUMBER: _ClassVar[int]
    FAILED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    DEAD_TOTAL_FIELD_NUMBER: _ClassVar[int]
    DEAD_NOW_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    sent_total: int
    failed_total: int
    dead_total: int
    dead_now: int
    def __init__(self, channel_id: _Optional[str] = ..., sent_total: _Optional[int] = ..., failed_total: _Optional[int] = ..., dead_total: _Optional[int] = ..., dead_now: _Optional[int] = ...) -> None: ...

class GetPipelineHealthResponse(_message.Message):
    __slots__ = ("sample_time", "channels", "outbox_backlog", "consumer_pending", "oldest_overdue_timer_seconds", "open_streams", "process_id", "deployment_wide")
    SAMPLE_TIME_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    OUTBOX_BACKLOG_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_PENDING_FIELD_NUMBER: _ClassVar[int]
    OLDEST_OVERDUE_TIMER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    OPEN_STREAMS_FIELD_NUMBER: _ClassVar[int]
    PROCESS_ID_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_WIDE_FIELD_NUMBER: _ClassVar[int]
    sample_time: _timestamp_pb2.Timestamp
    channels: _containers.RepeatedCompositeFieldContainer[ChannelHealth]
    outbox_backlog: int
    consumer_pending: int
    oldest_overdue_timer_seconds: float
    open_streams: int
    process_id: str
    deployment_wide: bool
    def __init__(self, sample_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., channels: _Optional[_Iterable[_Union[ChannelHealth, _Mapping]]] = ..., outbox_backlog: _Optional[int] = ..., consumer_pending: _Optional[int] = ..., oldest_overdue_timer_seconds: _Optional[float] = ..., open_streams: _Optional[int] = ..., process_id: _Optional[str] = ..., deployment_wide: _Optional[bool] = ...) -> None: ...
