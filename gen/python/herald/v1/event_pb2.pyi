import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from herald.v1 import notification_pb2 as _notification_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_CREATED: _ClassVar[EventType]
    EVENT_TYPE_DELIVERY_SENT: _ClassVar[EventType]
    EVENT_TYPE_DELIVERY_FAILED: _ClassVar[EventType]
    EVENT_TYPE_DELIVERY_DEAD: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_SEEN: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_READ: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_UNREAD: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_ARCHIVED: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_UNARCHIVED: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_SNOOZED: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_INTERACTED: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_UPDATED: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_RETRACTED: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_EXPIRED: _ClassVar[EventType]
    EVENT_TYPE_WORKFLOW_STEP_SKIPPED: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_UNSNOOZED: _ClassVar[EventType]
    EVENT_TYPE_NOTIFICATION_RETURNED: _ClassVar[EventType]
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_NOTIFICATION_CREATED: EventType
EVENT_TYPE_DELIVERY_SENT: EventType
EVENT_TYPE_DELIVERY_FAILED: EventType
EVENT_TYPE_DELIVERY_DEAD: EventType
EVENT_TYPE_NOTIFICATION_SEEN: EventType
EVENT_TYPE_NOTIFICATION_READ: EventType
EVENT_TYPE_NOTIFICATION_UNREAD: EventType
EVENT_TYPE_NOTIFICATION_ARCHIVED: EventType
EVENT_TYPE_NOTIFICATION_UNARCHIVED: EventType
EVENT_TYPE_NOTIFICATION_SNOOZED: EventType
EVENT_TYPE_NOTIFICATION_INTERACTED: EventType
EVENT_TYPE_NOTIFICATION_UPDATED: EventType
EVENT_TYPE_NOTIFICATION_RETRACTED: EventType
EVENT_TYPE_NOTIFICATION_EXPIRED: EventType
EVENT_TYPE_WORKFLOW_STEP_SKIPPED: EventType
EVENT_TYPE_NOTIFICATION_UNSNOOZED: EventType
EVENT_TYPE_NOTIFICATION_RETURNED: EventType

class Event(_message.Message):
    __slots__ = ("cursor", "type", "time", "tenant_id", "user_id", "notification_id", "created", "delivery", "changed")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    type: EventType
    time: _timestamp_pb2.Timestamp
    tenant_id: str
    user_id: str
    notification_id: str
    created: EventNotificationCreated
    delivery: EventDelivery
    changed: EventNotificationsChanged
    def __init__(self, cursor: _Optional[str] = ..., type: _Optional[_Union[EventType, str]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tenant_id: _Optional[str] = ..., user_id: _Optional[str] = ..., notification_id: _Optional[str] = ..., created: _Optional[_Union[EventNotificationCreated, _Mapping]] = ..., delivery: _Optional[_Union[EventDelivery, _Mapping]] = ..., changed: _Optional[_Union[EventNotificationsChanged, _Mapping]] = ...) -> None: ...

class EventNotificationCreated(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: _notification_pb2.Notification
    def __init__(self, notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ...) -> None: ...

class EventDelivery(_message.Message):
    __slots__ = ("delivery_id", "channel", "target", "attempt_number", "error", "provider")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    channel: _notification_pb2.Channel
    target: str
    attempt_number: int
    error: str
    provider: str
    def __init__(self, delivery_id: _Optional[str] = ..., channel: _Optional[_Union[_notification_pb2.Channel, str]] = ..., target: _Optional[str] = ..., attempt_number: _Optional[int] = ..., error: _Optional[str] = ..., provider: _Optional[str] = ...) -> None: ...

class EventNotificationsChanged(_message.Message):
    __slots__ = ("notification_ids", "all", "detail")
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    all: bool
    detail: _struct_pb2.Struct
    def __init__(self, notification_ids: _Optional[_Iterable[str]] = ..., all: _Optional[bool] = ..., detail: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
