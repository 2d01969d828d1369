from herald.v1 import notification_pb2 as _notification_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeliveryMessage(_message.Message):
    __slots__ = ("delivery_id", "notification_id", "channel", "generation", "error")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    notification_id: str
    channel: _notification_pb2.Channel
    generation: int
    error: str
    def __init__(self, delivery_id: _Optional[str] = ..., notification_id: _Optional[str] = ..., channel: _Optional[_Union[_notification_pb2.Channel, str]] = ..., generation: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...
