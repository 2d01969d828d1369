import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from herald.v1 import notification_pb2 as _notification_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Tenant(_message.Message):
    __slots__ = ("id", "name", "settings", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    settings: TenantSettings
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., settings: _Optional[_Union[TenantSettings, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TenantSettings(_message.Message):
    __slots__ = ("default_preferences", "required_categories", "email", "providers", "limits")
    DEFAULT_PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    default_preferences: _containers.RepeatedCompositeFieldContainer[DefaultPreference]
    required_categories: _containers.RepeatedScalarFieldContainer[str]
    email: EmailSettings
    providers: ProviderCredentials
    limits: TenantLimits
    def __init__(self, default_preferences: _Optional[_Iterable[_Union[DefaultPreference, _Mapping]]] = ..., required_categories: _Optional[_Iterable[str]] = ..., email: _Optional[_Union[EmailSettings, _Mapping]] = ..., providers: _Optional[_Union[ProviderCredentials, _Mapping]] = ..., limits: _Optional[_Union[TenantLimits, _Mapping]] = ...) -> None: ...

class DefaultPreference(_message.Message):
    __slots__ = ("category", "channel", "enabled")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    category: str
    channel: _notification_pb2.Channel
    enabled: bool
    def __init__(self, category: _Optional[str] = ..., channel: _Optional[_Union[_notification_pb2.Channel, str]] = ..., enabled: _Optional[bool] = ...) -> None: ...

class EmailSettings(_message.Message):
    __slots__ = ("from_address", "reply_to", "branding")
    FROM_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    BRANDING_FIELD_NUMBER: _ClassVar[int]
    from_address: str
    reply_to: str
    branding: EmailBranding
    def __init__(self, from_address: _Optional[str] = ..., reply_to: _Optional[str] = ..., branding: _Optional[_Union[EmailBranding, _Mapping]] = ...) -> None: ...

class EmailBranding(_message.Message):
    __slots__ = ("logo_url", "primary_color", "footer_text")
    LOGO_URL_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_COLOR_FIELD_NUMBER: _ClassVar[int]
    FOOTER_TEXT_FIELD_NUMBER: _ClassVar[int]
    logo_url: str
    primary_color: str
    footer_text: str
    def __init__(self, logo_url: _Optional[str] = ..., primary_color: _Optional[str] = ..., footer_text: _Optional[str] = ...) -> None: ...

class ProviderCredentials(_message.Message):
    __slots__ = ("smtp", "twilio")
    SMTP_FIELD_NUMBER: _ClassVar[int]
    TWILIO_FIELD_NUMBER: _ClassVar[int]
    smtp: SmtpCredentials
    twilio: TwilioCredentials
    def __init__(self, smtp: _Optional[_Union[SmtpCredentials, _Mapping]] = ..., twilio: _Optional[_Union[TwilioCredentials, _Mapping]] = ...) -> None: ...

class SmtpCredentials(_message.Message):
    __slots__ = ("url", "has_password")
    URL_FIELD_NUMBER: _ClassVar[int]
    HAS_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    url: str
    has_password: bool
    def __init__(self, url: _Optional[str] = ..., has_password: _Optional[bool] = ...) -> None: ...

class TwilioCredentials(_message.Message):
    __slots__ = ("account_sid", "auth_token", "has_auth_token")
    ACCOUNT_SID_FIELD_NUMBER: _ClassVar[int]
    AUTH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    HAS_AUTH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_sid: str
    auth_token: str
    has_auth_token: bool
    def __init__(self, account_sid: _Optional[str] = ..., auth_token: _Optional[str] = ..., has_auth_token: _Optional[bool] = ..., **kwargs) -> None: ...

class TenantLimits(_message.Message):
    __slots__ = ("requests_per_second", "notifications_per_day", "fanouts_in_flight")
    REQUESTS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    FANOUTS_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    requests_per_second: int
    notifications_per_day: int
    fanouts_in_flight: int
    def __init__(self, requests_per_second: _Optional[int] = ..., notifications_per_day: _Optional[int] = ..., fanouts_in_flight: _Optional[int] = ...) -> None: ...

class TenantApiKey(_message.Message):
    __slots__ = ("id", "tenant_id", "name", "scopes", "create_time", "last_used_time", "revoke_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    name: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    last_used_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., name: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateTenantRequest(_message.Message):
    __slots__ = ("id", "name", "settings")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    settings: TenantSettings
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., settings: _Optional[_Union[TenantSettings, _Mapping]] = ...) -> None: ...

class CreateTenantResponse(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...

class GetTenantRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetTenantResponse(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...

class ListTenantsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTenantsResponse(_message.Message):
    __slots__ = ("tenants", "next_page_token")
    TENANTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenants: _containers.RepeatedCompositeFieldContainer[Tenant]
    next_page_token: str
    def __init__(self, tenants: _Optional[_Iterable[_Union[Tenant, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateTenantRequest(_message.Message):
    __slots__ = ("id", "name", "settings", "update_mask")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    settings: TenantSettings
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., settings: _Optional[_Union[TenantSettings, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateTenantResponse(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...

class DeleteTenantRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteTenantResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateTenantApiKeyRequest(_message.Message):
    __slots__ = ("tenant_id", "name", "scopes")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    name: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant_id: _Optional[str] = ..., name: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateTenantApiKeyResponse(_message.Message):
    __slots__ = ("key", "api_key")
    KEY_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    api_key: TenantApiKey
    def __init__(self, key: _Optional[str] = ..., api_key: _Optional[_Union[TenantApiKey, _Mapping]] = ...) -> None: ...

class ListTenantApiKeysRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class ListTenantApiKeysResponse(_message.Message):
    __slots__ = ("api_keys",)
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[TenantApiKey]
    def __init__(self, api_keys: _Optional[_Iterable[_Union[TenantApiKey, _Mapping]]] = ...) -> None: ...

class RevokeTenantApiKeyRequest(_message.Message):
    __slots__ = ("tenant_id", "key_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    key_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., key_id: _Optional[str] = ...) -> None: ...

class RevokeTenantApiKeyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
