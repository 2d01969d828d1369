from buf.validate import validate_pb2 as _validate_pb2
from herald.v1 import workflow_pb2 as _workflow_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChannelSettings(_message.Message):
    __slots__ = ("in_app", "email", "sms", "push", "webhook", "channels")
    class ChannelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    IN_APP_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    SMS_FIELD_NUMBER: _ClassVar[int]
    PUSH_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    in_app: bool
    email: bool
    sms: bool
    push: bool
    webhook: bool
    channels: _containers.ScalarMap[str, bool]
    def __init__(self, in_app: _Optional[bool] = ..., email: _Optional[bool] = ..., sms: _Optional[bool] = ..., push: _Optional[bool] = ..., webhook: _Optional[bool] = ..., channels: _Optional[_Mapping[str, bool]] = ...) -> None: ...

class Preferences(_message.Message):
    __slots__ = ("user_id", "defaults", "categories", "quiet_hours")
    class CategoriesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ChannelSettings
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ChannelSettings, _Mapping]] = ...) -> None: ...
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    QUIET_HOURS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    defaults: ChannelSettings
    categories: _containers.MessageMap[str, ChannelSettings]
    quiet_hours: _workflow_pb2.QuietHours
    def __init__(self, user_id: _Optional[str] = ..., defaults: _Optional[_Union[ChannelSettings, _Mapping]] = ..., categories: _Optional[_Mapping[str, ChannelSettings]] = ..., quiet_hours: _Optional[_Union[_workflow_pb2.QuietHours, _Mapping]] = ...) -> None: ...
