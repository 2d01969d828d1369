import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from herald.v1 import notification_pb2 as _notification_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ThrottleAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    THROTTLE_ACTION_UNSPECIFIED: _ClassVar[ThrottleAction]
    THROTTLE_ACTION_SUPPRESS: _ClassVar[ThrottleAction]
    THROTTLE_ACTION_DIGEST: _ClassVar[ThrottleAction]

class WorkflowRunStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORKFLOW_RUN_STATUS_UNSPECIFIED: _ClassVar[WorkflowRunStatus]
    WORKFLOW_RUN_STATUS_RUNNING: _ClassVar[WorkflowRunStatus]
    WORKFLOW_RUN_STATUS_WAITING: _ClassVar[WorkflowRunStatus]
    WORKFLOW_RUN_STATUS_COMPLETED: _ClassVar[WorkflowRunStatus]
    WORKFLOW_RUN_STATUS_CANCELED: _ClassVar[WorkflowRunStatus]
    WORKFLOW_RUN_STATUS_DIGESTED: _ClassVar[WorkflowRunStatus]

class WorkflowStepState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORKFLOW_STEP_STATE_UNSPECIFIED: _ClassVar[WorkflowStepState]
    WORKFLOW_STEP_STATE_PENDING: _ClassVar[WorkflowStepState]
    WORKFLOW_STEP_STATE_WAITING: _ClassVar[WorkflowStepState]
    WORKFLOW_STEP_STATE_DONE: _ClassVar[WorkflowStepState]
    WORKFLOW_STEP_STATE_SKIPPED: _ClassVar[WorkflowStepState]
    WORKFLOW_STEP_STATE_CANCELED: _ClassVar[WorkflowStepState]
THROTTLE_ACTION_UNSPECIFIED: ThrottleAction
THROTTLE_ACTION_SUPPRESS: ThrottleAction
THROTTLE_ACTION_DIGEST: ThrottleAction
WORKFLOW_RUN_STATUS_UNSPECIFIED: WorkflowRunStatus
WORKFLOW_RUN_STATUS_RUNNING: WorkflowRunStatus
WORKFLOW_RUN_STATUS_WAITING: WorkflowRunStatus
WORKFLOW_RUN_STATUS_COMPLETED: WorkflowRunStatus
WORKFLOW_RUN_STATUS_CANCELED: WorkflowRunStatus
WORKFLOW_RUN_STATUS_DIGESTED: WorkflowRunStatus
WORKFLOW_STEP_STATE_UNSPECIFIED: WorkflowStepState
WORKFLOW_STEP_STATE_PENDING: WorkflowStepState
WORKFLOW_STEP_STATE_WAITING: WorkflowStepState
WORKFLOW_STEP_STATE_DONE: WorkflowStepState
WORKFLOW_STEP_STATE_SKIPPED: WorkflowStepState
WORKFLOW_STEP_STATE_CANCELED: WorkflowStepState

class LocalTime(_message.Message):
    __slots__ = ("hour", "minute")
    HOUR_FIELD_NUMBER: _ClassVar[int]
    MINUTE_FIELD_NUMBER: _ClassVar[int]
    hour: int
    minute: int
    def __init__(self, hour: _Optional[int] = ..., minute: _Optional[int] = ...) -> None: ...

class DailyWindow(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: LocalTime
    end: LocalTime
    def __init__(self, start: _Optional[_Union[LocalTime, _Mapping]] = ..., end: _Optional[_Union[LocalTime, _Mapping]] = ...) -> None: ...

class QuietHours(_message.Message):
    __slots__ = ("window", "channels", "timezone")
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    window: DailyWindow
    channels: _containers.RepeatedScalarFieldContainer[_notification_pb2.Channel]
    timezone: str
    def __init__(self, window: _Optional[_Union[DailyWindow, _Mapping]] = ..., channels: _Optional[_Iterable[_Union[_notification_pb2.Channel, str]]] = ..., timezone: _Optional[str] = ...) -> None: ...

class Workflow(_message.Message):
    __slots__ = ("key", "description", "categories", "steps", "send_window", "version", "update_time")
    KEY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    SEND_WINDOW_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    key: str
    description: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    steps: _containers.RepeatedCompositeFieldContainer[WorkflowStep]
    send_window: SendWindow
    version: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, key: _Optional[str] = ..., description: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., steps: _Optional[_Iterable[_Union[WorkflowStep, _Mapping]]] = ..., send_window: _Optional[_Union[SendWindow, _Mapping]] = ..., version: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SendWindow(_message.Message):
    __slots__ = ("weekdays", "window")
    WEEKDAYS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    weekdays: _containers.RepeatedScalarFieldContainer[int]
    window: DailyWindow
    def __init__(self, weekdays: _Optional[_Iterable[int]] = ..., window: _Optional[_Union[DailyWindow, _Mapping]] = ...) -> None: ...

class WorkflowStep(_message.Message):
    __slots__ = ("deliver", "delay", "condition", "digest", "throttle")
    DELIVER_FIELD_NUMBER: _ClassVar[int]
    DELAY_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    THROTTLE_FIELD_NUMBER: _ClassVar[int]
    deliver: DeliverStep
    delay: DelayStep
    condition: ConditionStep
    digest: DigestStep
    throttle: ThrottleStep
    def __init__(self, deliver: _Optional[_Union[DeliverStep, _Mapping]] = ..., delay: _Optional[_Union[DelayStep, _Mapping]] = ..., condition: _Optional[_Union[ConditionStep, _Mapping]] = ..., digest: _Optional[_Union[DigestStep, _Mapping]] = ..., throttle: _Optional[_Union[ThrottleStep, _Mapping]] = ...) -> None: ...

class DeliverStep(_message.Message):
    __slots__ = ("channels", "template_key")
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_KEY_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedScalarFieldContainer[_notification_pb2.Channel]
    template_key: str
    def __init__(self, channels: _Optional[_Iterable[_Union[_notification_pb2.Channel, str]]] = ..., template_key: _Optional[str] = ...) -> None: ...

class DelayStep(_message.Message):
    __slots__ = ("duration", "data_path", "local_time")
    DURATION_FIELD_NUMBER: _ClassVar[int]
    DATA_PATH_FIELD_NUMBER: _ClassVar[int]
    LOCAL_TIME_FIELD_NUMBER: _ClassVar[int]
    duration: _duration_pb2.Duration
    data_path: str
    local_time: LocalTime
    def __init__(self, duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., data_path: _Optional[str] = ..., local_time: _Optional[_Union[LocalTime, _Mapping]] = ...) -> None: ...

class ConditionStep(_message.Message):
    __slots__ = ("expression",)
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    expression: str
    def __init__(self, expression: _Optional[str] = ...) -> None: ...

class DigestStep(_message.Message):
    __slots__ = ("key_path", "duration", "daily_at", "max_count")
    KEY_PATH_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    DAILY_AT_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    key_path: str
    duration: _duration_pb2.Duration
    daily_at: LocalTime
    max_count: int
    def __init__(self, key_path: _Optional[str] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., daily_at: _Optional[_Union[LocalTime, _Mapping]] = ..., max_count: _Optional[int] = ...) -> None: ...

class ThrottleStep(_message.Message):
    __slots__ = ("limit", "window", "key_path", "on_exceed")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    KEY_PATH_FIELD_NUMBER: _ClassVar[int]
    ON_EXCEED_FIELD_NUMBER: _ClassVar[int]
    limit: int
    window: _duration_pb2.Duration
    key_path: str
    on_exceed: ThrottleAction
    def __init__(self, limit: _Optional[int] = ..., window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., key_path: _Optional[str] = ..., on_exceed: _Optional[_Union[ThrottleAction, str]] = ...) -> None: ...

class WorkflowRunStep(_message.Message):
    __slots__ = ("index", "kind", "state", "reason", "fire_time", "due_time")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    index: int
    kind: str
    state: WorkflowStepState
    reason: str
    fire_time: _timestamp_pb2.Timestamp
    due_time: _timestamp_pb2.Timestamp
    def __init__(self, index: _Optional[int] = ..., kind: _Optional[str] = ..., state: _Optional[_Union[WorkflowStepState, str]] = ..., reason: _Optional[str] = ..., fire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WorkflowRun(_message.Message):
    __slots__ = ("id", "workflow_key", "workflow_version", "notification_id", "user_id", "cancellation_key", "status", "steps", "create_time", "finish_time", "digest_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_KEY_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_VERSION_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    DIGEST_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    workflow_key: str
    workflow_version: int
    notification_id: str
    user_id: str
    cancellation_key: str
    status: WorkflowRunStatus
    steps: _containers.RepeatedCompositeFieldContainer[WorkflowRunStep]
    create_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    digest_id: str
    def __init__(self, id: _Optional[str] = ..., workflow_key: _Optional[str] = ..., workflow_version: _Optional[int] = ..., notification_id: _Optional[str] = ..., user_id: _Optional[str] = ..., cancellation_key: _Optional[str] = ..., status: _Optional[_Union[WorkflowRunStatus, str]] = ..., steps: _Optional[_Iterable[_Union[WorkflowRunStep, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., digest_id: _Optional[str] = ...) -> None: ...

class DigestLink(_message.Message):
    __slots__ = ("digest_id", "notification_id", "notification_ids", "closed")
    DIGEST_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    digest_id: str
    notification_id: str
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    closed: bool
    def __init__(self, digest_id: _Optional[str] = ..., notification_id: _Optional[str] = ..., notification_ids: _Optional[_Iterable[str]] = ..., closed: _Optional[bool] = ...) -> None: ...
