import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from herald.v1 import feed_pb2 as _feed_pb2
from herald.v1 import notification_pb2 as _notification_pb2
from herald.v1 import preferences_pb2 as _preferences_pb2
from herald.v1 import workflow_pb2 as _workflow_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FanoutState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FANOUT_STATE_UNSPECIFIED: _ClassVar[FanoutState]
    FANOUT_STATE_PLANNING: _ClassVar[FanoutState]
    FANOUT_STATE_RUNNING: _ClassVar[FanoutState]
    FANOUT_STATE_DONE: _ClassVar[FanoutState]
    FANOUT_STATE_CANCELED: _ClassVar[FanoutState]
FANOUT_STATE_UNSPECIFIED: FanoutState
FANOUT_STATE_PLANNING: FanoutState
FANOUT_STATE_RUNNING: FanoutState
FANOUT_STATE_DONE: FanoutState
FANOUT_STATE_CANCELED: FanoutState

class SendRequest(_message.Message):
    __slots__ = ("user_ids", "category", "title", "body", "action_url", "data", "priority", "channels", "idempotency_key", "send_at", "template_key", "workflow", "cancellation_key", "topics", "exclude_user_ids", "broadcast", "group_key", "expire_at", "ttl", "tags", "actions")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    ACTION_URL_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SEND_AT_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_KEY_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_KEY_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    BROADCAST_FIELD_NUMBER: _ClassVar[int]
    GROUP_KEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AT_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    category: str
    title: str
    body: str
    action_url: str
    data: _struct_pb2.Struct
    priority: _notification_pb2.Priority
    channels: _containers.RepeatedScalarFieldContainer[_notification_pb2.Channel]
    idempotency_key: str
    send_at: _timestamp_pb2.Timestamp
    template_key: str
    workflow: str
    cancellation_key: str
    topics: _containers.RepeatedScalarFieldContainer[str]
    exclude_user_ids: _containers.RepeatedScalarFieldContainer[str]
    broadcast: bool
    group_key: str
    expire_at: _timestamp_pb2.Timestamp
    ttl: _duration_pb2.Duration
    tags: _containers.RepeatedScalarFieldContainer[str]
    actions: _containers.RepeatedCompositeFieldContainer[_notification_pb2.Action]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ..., category: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., action_url: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., priority: _Optional[_Union[_notification_pb2.Priority, str]] = ..., channels: _Optional[_Iterable[_Union[_notification_pb2.Channel, str]]] = ..., idempotency_key: _Optional[str] = ..., send_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., template_key: _Optional[str] = ..., workflow: _Optional[str] = ..., cancellation_key: _Optional[str] = ..., topics: _Optional[_Iterable[str]] = ..., exclude_user_ids: _Optional[_Iterable[str]] = ..., broadcast: _Optional[bool] = ..., group_key: _Optional[str] = ..., expire_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., tags: _Optional[_Iterable[str]] = ..., actions: _Optional[_Iterable[_Union[_notification_pb2.Action, _Mapping]]] = ...) -> None: ...

class SendResponse(_message.Message):
    __slots__ = ("notifications", "fanout_id")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    FANOUT_ID_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[_notification_pb2.Notification]
    fanout_id: str
    def __init__(self, notifications: _Optional[_Iterable[_Union[_notification_pb2.Notification, _Mapping]]] = ..., fanout_id: _Optional[str] = ...) -> None: ...

class GetFanoutRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetFanoutResponse(_message.Message):
    __slots__ = ("fanout",)
    FANOUT_FIELD_NUMBER: _ClassVar[int]
    fanout: Fanout
    def __init__(self, fanout: _Optional[_Union[Fanout, _Mapping]] = ...) -> None: ...

class CancelFanoutRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CancelFanoutResponse(_message.Message):
    __slots__ = ("fanout",)
    FANOUT_FIELD_NUMBER: _ClassVar[int]
    fanout: Fanout
    def __init__(self, fanout: _Optional[_Union[Fanout, _Mapping]] = ...) -> None: ...

class Fanout(_message.Message):
    __slots__ = ("id", "state", "topics", "broadcast", "planned", "written", "failed", "canceled", "error", "created_at", "finished_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    BROADCAST_FIELD_NUMBER: _ClassVar[int]
    PLANNED_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    CANCELED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    state: FanoutState
    topics: _containers.RepeatedScalarFieldContainer[str]
    broadcast: bool
    planned: int
    written: int
    failed: int
    canceled: int
    error: str
    created_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., state: _Optional[_Union[FanoutState, str]] = ..., topics: _Optional[_Iterable[str]] = ..., broadcast: _Optional[bool] = ..., planned: _Optional[int] = ..., written: _Optional[int] = ..., failed: _Optional[int] = ..., canceled: _Optional[int] = ..., error: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SendBatchRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[SendRequest]
    def __init__(self, items: _Optional[_Iterable[_Union[SendRequest, _Mapping]]] = ...) -> None: ...

class SendBatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SendResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SendResult, _Mapping]]] = ...) -> None: ...

class SendResult(_message.Message):
    __slots__ = ("sent", "error")
    SENT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    sent: SendResponse
    error: SendError
    def __init__(self, sent: _Optional[_Union[SendResponse, _Mapping]] = ..., error: _Optional[_Union[SendError, _Mapping]] = ...) -> None: ...

class SendError(_message.Message):
    __slots__ = ("code", "message", "field")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    field: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., field: _Optional[str] = ...) -> None: ...

class SendStreamRequest(_message.Message):
    __slots__ = ("send", "ref")
    SEND_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    send: SendRequest
    ref: str
    def __init__(self, send: _Optional[_Union[SendRequest, _Mapping]] = ..., ref: _Optional[str] = ...) -> None: ...

class SendStreamResponse(_message.Message):
    __slots__ = ("index", "ref", "result")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    index: int
    ref: str
    result: SendResult
    def __init__(self, index: _Optional[int] = ..., ref: _Optional[str] = ..., result: _Optional[_Union[SendResult, _Mapping]] = ...) -> None: ...

class GetNotificationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetNotificationResponse(_message.Message):
    __slots__ = ("notification", "deliveries", "workflow_runs", "digest")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUNS_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    notification: _notification_pb2.Notification
    deliveries: _containers.RepeatedCompositeFieldContainer[_notification_pb2.Delivery]
    workflow_runs: _containers.RepeatedCompositeFieldContainer[_workflow_pb2.WorkflowRun]
    digest: _workflow_pb2.DigestLink
    def __init__(self, notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ..., deliveries: _Optional[_Iterable[_Union[_notification_pb2.Delivery, _Mapping]]] = ..., workflow_runs: _Optional[_Iterable[_Union[_workflow_pb2.WorkflowRun, _Mapping]]] = ..., digest: _Optional[_Union[_workflow_pb2.DigestLink, _Mapping]] = ...) -> None: ...

class ListRequest(_message.Message):
    __slots__ = ("user_id", "page_size", "page_token", "unread_only", "category", "archived", "unseen_only", "snoozed", "tags", "tabs")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    UNSEEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    SNOOZED_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TABS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    page_size: int
    page_token: str
    unread_only: bool
    category: str
    archived: bool
    unseen_only: bool
    snoozed: bool
    tags: _containers.RepeatedScalarFieldContainer[str]
    tabs: _containers.RepeatedCompositeFieldContainer[Tab]
    def __init__(self, user_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., unread_only: _Optional[bool] = ..., category: _Optional[str] = ..., archived: _Optional[bool] = ..., unseen_only: _Optional[bool] = ..., snoozed: _Optional[bool] = ..., tags: _Optional[_Iterable[str]] = ..., tabs: _Optional[_Iterable[_Union[Tab, _Mapping]]] = ...) -> None: ...

class ListResponse(_message.Message):
    __slots__ = ("notifications", "next_page_token", "unread_count", "unseen_count", "tab_counts")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNSEEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    TAB_COUNTS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[_notification_pb2.Notification]
    next_page_token: str
    unread_count: int
    unseen_count: int
    tab_counts: _containers.RepeatedCompositeFieldContainer[TabCount]
    def __init__(self, notifications: _Optional[_Iterable[_Union[_notification_pb2.Notification, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., unread_count: _Optional[int] = ..., unseen_count: _Optional[int] = ..., tab_counts: _Optional[_Iterable[_Union[TabCount, _Mapping]]] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ("user_id", "notification_ids", "all", "change")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    all: bool
    change: _feed_pb2.ChangeKind
    def __init__(self, user_id: _Optional[str] = ..., notification_ids: _Optional[_Iterable[str]] = ..., all: _Optional[bool] = ..., change: _Optional[_Union[_feed_pb2.ChangeKind, str]] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ("unread_count", "changed_count", "unseen_count")
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHANGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNSEEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    changed_count: int
    unseen_count: int
    def __init__(self, unread_count: _Optional[int] = ..., changed_count: _Optional[int] = ..., unseen_count: _Optional[int] = ...) -> None: ...

class GetPreferencesRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetPreferencesResponse(_message.Message):
    __slots__ = ("preferences", "channels")
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    preferences: _preferences_pb2.Preferences
    channels: _containers.RepeatedScalarFieldContainer[_notification_pb2.Channel]
    def __init__(self, preferences: _Optional[_Union[_preferences_pb2.Preferences, _Mapping]] = ..., channels: _Optional[_Iterable[_Union[_notification_pb2.Channel, str]]] = ...) -> None: ...

class UpdatePreferencesRequest(_message.Message):
    __slots__ = ("user_id", "defaults", "categories", "reset_categories", "quiet_hours", "clear_quiet_hours")
    class CategoriesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _preferences_pb2.ChannelSettings
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_preferences_pb2.ChannelSettings, _Mapping]] = ...) -> None: ...
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    RESET_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    QUIET_HOURS_FIELD_NUMBER: _ClassVar[int]
    CLEAR_QUIET_HOURS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    defaults: _preferences_pb2.ChannelSettings
    categories: _containers.MessageMap[str, _preferences_pb2.ChannelSettings]
    reset_categories: _containers.RepeatedScalarFieldContainer[str]
    quiet_hours: _workflow_pb2.QuietHours
    clear_quiet_hours: bool
    def __init__(self, user_id: _Optional[str] = ..., defaults: _Optional[_Union[_preferences_pb2.ChannelSettings, _Mapping]] = ..., categories: _Optional[_Mapping[str, _preferences_pb2.ChannelSettings]] = ..., reset_categories: _Optional[_Iterable[str]] = ..., quiet_hours: _Optional[_Union[_workflow_pb2.QuietHours, _Mapping]] = ..., clear_quiet_hours: _Optional[bool] = ...) -> None: ...

class UpdatePreferencesResponse(_message.Message):
    __slots__ = ("preferences",)
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    preferences: _preferences_pb2.Preferences
    def __init__(self, preferences: _Optional[_Union[_preferences_pb2.Preferences, _Mapping]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("user_id", "cursor")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    cursor: str
    def __init__(self, user_id: _Optional[str] = ..., cursor: _Optional[str] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _feed_pb2.FeedEvent
    def __init__(self, event: _Optional[_Union[_feed_pb2.FeedEvent, _Mapping]] = ...) -> None: ...

class CancelRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CancelResponse(_message.Message):
    __slots__ = ("canceled_count", "deliveries")
    CANCELED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    canceled_count: int
    deliveries: _containers.RepeatedCompositeFieldContainer[_notification_pb2.Delivery]
    def __init__(self, canceled_count: _Optional[int] = ..., deliveries: _Optional[_Iterable[_Union[_notification_pb2.Delivery, _Mapping]]] = ...) -> None: ...

class RetryDeliveryRequest(_message.Message):
    __slots__ = ("delivery_id",)
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    def __init__(self, delivery_id: _Optional[str] = ...) -> None: ...

class RetryDeliveryResponse(_message.Message):
    __slots__ = ("delivery",)
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery: _notification_pb2.Delivery
    def __init__(self, delivery: _Optional[_Union[_notification_pb2.Delivery, _Mapping]] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("status", "channel", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: _notification_pb2.DeliveryStatus
    channel: _notification_pb2.Channel
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[_Union[_notification_pb2.DeliveryStatus, str]] = ..., channel: _Optional[_Union[_notification_pb2.Channel, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "next_page_token")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[_notification_pb2.Delivery]
    next_page_token: str
    def __init__(self, deliveries: _Optional[_Iterable[_Union[_notification_pb2.Delivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateNotificationRequest(_message.Message):
    __slots__ = ("id", "title", "body", "data", "action_url", "actions")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ACTION_URL_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    body: str
    data: _struct_pb2.Struct
    action_url: str
    actions: NotificationActions
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., action_url: _Optional[str] = ..., actions: _Optional[_Union[NotificationActions, _Mapping]] = ...) -> None: ...

class NotificationActions(_message.Message):
    __slots__ = ("actions",)
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[_notification_pb2.Action]
    def __init__(self, actions: _Optional[_Iterable[_Union[_notification_pb2.Action, _Mapping]]] = ...) -> None: ...

class UpdateNotificationResponse(_message.Message):
    __slots__ = ("notification", "changed")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    notification: _notification_pb2.Notification
    changed: bool
    def __init__(self, notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ..., changed: _Optional[bool] = ...) -> None: ...

class RetractNotificationRequest(_message.Message):
    __slots__ = ("id", "user_id", "group_key")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    group_key: str
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., group_key: _Optional[str] = ...) -> None: ...

class RetractNotificationResponse(_message.Message):
    __slots__ = ("notification_ids", "canceled_count")
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    CANCELED_COUNT_FIELD_NUMBER: _ClassVar[int]
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    canceled_count: int
    def __init__(self, notification_ids: _Optional[_Iterable[str]] = ..., canceled_count: _Optional[int] = ...) -> None: ...

class SnoozeNotificationsRequest(_message.Message):
    __slots__ = ("user_id", "notification_ids", "snooze_until")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    SNOOZE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    snooze_until: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., notification_ids: _Optional[_Iterable[str]] = ..., snooze_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SnoozeNotificationsResponse(_message.Message):
    __slots__ = ("unread_count", "unseen_count", "changed_count")
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNSEEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHANGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    unseen_count: int
    changed_count: int
    def __init__(self, unread_count: _Optional[int] = ..., unseen_count: _Optional[int] = ..., changed_count: _Optional[int] = ...) -> None: ...

class UnsnoozeNotificationsRequest(_message.Message):
    __slots__ = ("user_id", "notification_ids")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_id: _Optional[str] = ..., notification_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class UnsnoozeNotificationsResponse(_message.Message):
    __slots__ = ("unread_count", "unseen_count", "changed_count")
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNSEEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHANGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    unseen_count: int
    changed_count: int
    def __init__(self, unread_count: _Optional[int] = ..., unseen_count: _Optional[int] = ..., changed_count: _Optional[int] = ...) -> None: ...

class Tab(_message.Message):
    __slots__ = ("id", "category", "tags")
    ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    id: str
    category: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., category: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ...) -> None: ...

class TabCount(_message.Message):
    __slots__ = ("id", "unread_count", "unseen_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNSEEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: str
    unread_count: int
    unseen_count: int
    def __init__(self, id: _Optional[str] = ..., unread_count: _Optional[int] = ..., unseen_count: _Optional[int] = ...) -> None: ...

class InteractNotificationRequest(_message.Message):
    __slots__ = ("user_id", "id", "action_id")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    id: str
    action_id: str
    def __init__(self, user_id: _Optional[str] = ..., id: _Optional[str] = ..., action_id: _Optional[str] = ...) -> None: ...

class InteractNotificationResponse(_message.Message):
    __slots__ = ("notification", "unread_count", "unseen_count")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNSEEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    notification: _notification_pb2.Notification
    unread_count: int
    unseen_count: int
    def __init__(self, notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ..., unread_count: _Optional[int] = ..., unseen_count: _Optional[int] = ...) -> None: ...
