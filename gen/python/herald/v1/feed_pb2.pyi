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

class ChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_KIND_UNSPECIFIED: _ClassVar[ChangeKind]
    CHANGE_KIND_READ: _ClassVar[ChangeKind]
    CHANGE_KIND_UNREAD: _ClassVar[ChangeKind]
    CHANGE_KIND_ARCHIVED: _ClassVar[ChangeKind]
    CHANGE_KIND_UNARCHIVED: _ClassVar[ChangeKind]
    CHANGE_KIND_SEEN: _ClassVar[ChangeKind]
    CHANGE_KIND_RETRACTED: _ClassVar[ChangeKind]
    CHANGE_KIND_SNOOZED: _ClassVar[ChangeKind]
    CHANGE_KIND_UNSNOOZED: _ClassVar[ChangeKind]
    CHANGE_KIND_EXPIRED: _ClassVar[ChangeKind]
CHANGE_KIND_UNSPECIFIED: ChangeKind
CHANGE_KIND_READ: ChangeKind
CHANGE_KIND_UNREAD: ChangeKind
CHANGE_KIND_ARCHIVED: ChangeKind
CHANGE_KIND_UNARCHIVED: ChangeKind
CHANGE_KIND_SEEN: ChangeKind
CHANGE_KIND_RETRACTED: ChangeKind
CHANGE_KIND_SNOOZED: ChangeKind
CHANGE_KIND_UNSNOOZED: ChangeKind
CHANGE_KIND_EXPIRED: ChangeKind

class FeedEvent(_message.Message):
    __slots__ = ("cursor", "unread_count", "unseen_count", "event_time", "created", "changed", "synced", "heartbeat", "updated", "returned", "interacted")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNSEEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    SYNCED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    RETURNED_FIELD_NUMBER: _ClassVar[int]
    INTERACTED_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    unread_count: int
    unseen_count: int
    event_time: _timestamp_pb2.Timestamp
    created: NotificationCreated
    changed: NotificationsChanged
    synced: Synced
    heartbeat: Heartbeat
    updated: NotificationUpdated
    returned: NotificationReturned
    interacted: NotificationInteracted
    def __init__(self, cursor: _Optional[str] = ..., unread_count: _Optional[int] = ..., unseen_count: _Optional[int] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created: _Optional[_Union[NotificationCreated, _Mapping]] = ..., changed: _Optional[_Union[NotificationsChanged, _Mapping]] = ..., synced: _Optional[_Union[Synced, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., updated: _Optional[_Union[NotificationUpdated, _Mapping]] = ..., returned: _Optional[_Union[NotificationReturned, _Mapping]] = ..., interacted: _Optional[_Union[NotificationInteracted, _Mapping]] = ...) -> None: ...

class NotificationCreated(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: _notification_pb2.Notification
    def __init__(self, notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ...) -> None: ...

class NotificationUpdated(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: _notification_pb2.Notification
    def __init__(self, notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ...) -> None: ...

class NotificationsChanged(_message.Message):
    __slots__ = ("kind", "notification_ids", "all")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    kind: ChangeKind
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    all: bool
    def __init__(self, kind: _Optional[_Union[ChangeKind, str]] = ..., notification_ids: _Optional[_Iterable[str]] = ..., all: _Optional[bool] = ...) -> None: ...

class Synced(_message.Message):
    __slots__ = ("reset",)
    RESET_FIELD_NUMBER: _ClassVar[int]
    reset: bool
    def __init__(self, reset: _Optional[bool] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NotificationReturned(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: _notification_pb2.Notification
    def __init__(self, notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ...) -> None: ...

class NotificationInteracted(_message.Message):
    __slots__ = ("notification_id", "action_id", "payload")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    action_id: str
    payload: _struct_pb2.Struct
    def __init__(self, notification_id: _Optional[str] = ..., action_id: _Optional[str] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
