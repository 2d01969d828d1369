import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Platform(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLATFORM_UNSPECIFIED: _ClassVar[Platform]
    PLATFORM_ANDROID: _ClassVar[Platform]
    PLATFORM_IOS: _ClassVar[Platform]
    PLATFORM_WEB: _ClassVar[Platform]
    PLATFORM_WEB_PUSH: _ClassVar[Platform]
PLATFORM_UNSPECIFIED: Platform
PLATFORM_ANDROID: Platform
PLATFORM_IOS: Platform
PLATFORM_WEB: Platform
PLATFORM_WEB_PUSH: Platform

class Device(_message.Message):
    __slots__ = ("id", "platform", "token", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    platform: Platform
    token: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., platform: _Optional[_Union[Platform, str]] = ..., token: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Recipient(_message.Message):
    __slots__ = ("user_id", "email", "phone", "locale", "timezone", "devices", "update_time", "addresses", "attributes")
    class AddressesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    email: str
    phone: str
    locale: str
    timezone: str
    devices: _containers.RepeatedCompositeFieldContainer[Device]
    update_time: _timestamp_pb2.Timestamp
    addresses: _containers.ScalarMap[str, str]
    attributes: _struct_pb2.Struct
    def __init__(self, user_id: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., locale: _Optional[str] = ..., timezone: _Optional[str] = ..., devices: _Optional[_Iterable[_Union[Device, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., addresses: _Optional[_Mapping[str, str]] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpsertRecipientRequest(_message.Message):
    __slots__ = ("user_id", "email", "phone", "locale", "timezone", "addresses", "attributes")
    class AddressesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    email: str
    phone: str
    locale: str
    timezone: str
    addresses: _containers.ScalarMap[str, str]
    attributes: _struct_pb2.Struct
    def __init__(self, user_id: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., locale: _Optional[str] = ..., timezone: _Optional[str] = ..., addresses: _Optional[_Mapping[str, str]] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpsertRecipientResponse(_message.Message):
    __slots__ = ("recipient",)
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    recipient: Recipient
    def __init__(self, recipient: _Optional[_Union[Recipient, _Mapping]] = ...) -> None: ...

class GetRecipientRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetRecipientResponse(_message.Message):
    __slots__ = ("recipient",)
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    recipient: Recipient
    def __init__(self, recipient: _Optional[_Union[Recipient, _Mapping]] = ...) -> None: ...

class DeleteRecipientRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class DeleteRecipientResponse(_message.Message):
    __slots__ = ("deleted_notifications",)
    DELETED_NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    deleted_notifications: int
    def __init__(self, deleted_notifications: _Optional[int] = ...) -> None: ...

class RegisterDeviceRequest(_message.Message):
    __slots__ = ("user_id", "platform", "token", "web_push")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    WEB_PUSH_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    platform: Platform
    token: str
    web_push: WebPushSubscription
    def __init__(self, user_id: _Optional[str] = ..., platform: _Optional[_Union[Platform, str]] = ..., token: _Optional[str] = ..., web_push: _Optional[_Union[WebPushSubscription, _Mapping]] = ...) -> None: ...

class WebPushSubscription(_message.Message):
    __slots__ = ("endpoint", "expiration_time", "keys")
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_TIME_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    endpoint: str
    expiration_time: int
    keys: WebPushKeys
    def __init__(self, endpoint: _Optional[str] = ..., expiration_time: _Optional[int] = ..., keys: _Optional[_Union[WebPushKeys, _Mapping]] = ...) -> None: ...

class WebPushKeys(_message.Message):
    __slots__ = ("p256dh", "auth")
    P256DH_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    p256dh: str
    auth: str
    def __init__(self, p256dh: _Optional[str] = ..., auth: _Optional[str] = ...) -> None: ...

class RegisterDeviceResponse(_message.Message):
    __slots__ = ("device",)
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    device: Device
    def __init__(self, device: _Optional[_Union[Device, _Mapping]] = ...) -> None: ...

class GetWebPushKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetWebPushKeyResponse(_message.Message):
    __slots__ = ("public_key",)
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    public_key: str
    def __init__(self, public_key: _Optional[str] = ...) -> None: ...

class UnregisterDeviceRequest(_message.Message):
    __slots__ = ("user_id", "token")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    token: str
    def __init__(self, user_id: _Optional[str] = ..., token: _Optional[str] = ...) -> None: ...

class UnregisterDeviceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RevokeUserTokensRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class RevokeUserTokensResponse(_message.Message):
    __slots__ = ("revoke_time",)
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    revoke_time: _timestamp_pb2.Timestamp
    def __init__(self, revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
