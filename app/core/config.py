"""One settings class for the whole service: environment variables with the ``APP_`` prefix."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = ROOT / "var"


class DbSettings(BaseModel):
    url: str = Field(
        default=f"sqlite+aiosqlite:///{VAR_DIR / 'pomoshnik.sqlite3'}",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://user:pw@host/db",
    )
    echo: bool = False
    pool_size: int = Field(default=10, ge=1, le=200)


class RedisSettings(BaseModel):
    url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Redis for the arq queue and the notices between processes",
    )
    queue_name: str = Field(
        default="",
        description="The arq queue of this installation; its jobs' ids carry it too. Empty: `pomoshnik:` "
        "and a digest of the database URL, so two installations on one Redis never share a queue",
    )


class AuthSettings(BaseModel):
    session_ttl_minutes: int = Field(default=12 * 60, ge=1, le=60 * 24 * 30)
    personal_token_max_days: int = Field(default=365, ge=1, le=3650)
    actor_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long an API process remembers who a bearer token is (0: never). A token "
        "revoked or an employee disabled or changed is refused at once: by the process that made "
        "the change, and by the others when Redis carries its notice; a process that missed the "
        "notice (Redis down) refuses it after at most this long.",
    )
    max_concurrent_hashing: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Password checks (argon2, about 64 MiB and tens of ms each) run at once in one API "
        "process; a login that finds them all busy is answered 429 at once instead of queueing",
    )
    login_failures: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Failed logins allowed per account and per source address within the window; "
        "the next ones are locked out (429 with Retry-After, even with the right password)",
    )
    login_window_seconds: int = Field(default=60, ge=1, le=86_400)
    lockout_seconds: int = Field(
        default=60,
        ge=1,
        le=86_400,
        description="The first lock-out; each further one in a row lasts twice as long",
    )
    max_lockout_seconds: int = Field(
        default=3600,
        ge=1,
        le=7 * 86_400,
        description="The longest lock-out; a quiet spell this long starts the doubling again",
    )


class ApiSettings(BaseModel):
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Larger request bodies get 413")
    max_page_size: int = Field(default=200, ge=1, le=1000)
    default_page_size: int = Field(default=50, ge=1, le=1000)
    idempotency_ttl_hours: int = Field(default=48, ge=24)
    cors_origins: list[str] = Field(default_factory=list)
    console_dir: Path = Field(
        default=ROOT / "web" / "dist", description="The built operator console, served at / (when it exists)"
    )


class SmtpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 1025
    username: str | None = None
    password: SecretStr | None = None
    use_tls: bool = False
    start_tls: bool = False
    timeout_seconds: float = 30.0
    sender: str = "Помощник <pomoshnik@example.com>"


class ChatChannelSettings(BaseModel):
    title: str
    adapter: Literal["stub", "telegram"] = "stub"
    chat_id: str = ""


def _default_channels() -> dict[str, ChatChannelSettings]:
    # The work chats the regulation names; keys are stable identifiers used in code.
    titles = {
        "document_errors": "Косяки в документах",
        "workshop_logos": "Логотипы.ЩЦ",
        "workshop": "Швейный цех",
        "nonstandard_items": "Нестандартные позиции",
        "workshop_specs": "Тех. задание швейный цех",
        "delivery": "Доставка",
        "warehouse_orders": "Заявки на склад",
        "amo_service": "Сервис в AMO",
    }
    return {key: ChatChannelSettings(title=title) for key, title in titles.items()}


class ChatSettings(BaseModel):
    channels: dict[str, ChatChannelSettings] = Field(default_factory=_default_channels)
    personal_adapter: Literal["stub", "telegram"] = Field(
        default="stub", description="Adapter for direct messages to employees (their chat handle)"
    )
    stub_dir: Path = Field(default=VAR_DIR / "chat", description="Where the stub chat keeps messages")


class TelegramSettings(BaseModel):
    token: SecretStr | None = None
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The secret_token given to setWebhook; Telegram sends it in "
        "X-Telegram-Bot-Api-Secret-Token. Without it the chat webhook refuses everything",
    )
    base_url: str = "https://api.telegram.org"
    timeout_seconds: float = 20.0
    max_retries: int = Field(default=3, ge=0, le=10)


class OneCPropertyKeys(BaseModel):
    """Which additional properties (``Свойство_Key`` of a characteristic's ДополнительныеРеквизиты)
    hold a product's model, colour, size and height, and, if the base keeps one, the variant's article
    (otherwise the nomenclature's Артикул is used)."""

    model: UUID
    color: UUID
    size: UUID
    height: UUID
    sku: UUID | None = None


class OneCMapping(BaseModel):
    """How the base's references map onto the regulation: the warehouse whose stock is sold, the price
    type (ВидыЦен Ref_Key) of each price category in the regulation's order, the purchase price type
    and the characteristics' property keys."""

    warehouse: UUID
    price_types: dict[str, UUID] = Field(min_length=1)
    purchase_price_type: UUID | None = None
    properties: OneCPropertyKeys
    organisation: UUID | None = Field(
        default=None, description="The organisation (Catalog_Организации) the documents are written for"
    )
    vat_rates: dict[str, UUID] = Field(
        default_factory=dict,
        description='VAT rate in percent ("20", "10", "0") → its Catalog_СтавкиНДС Ref_Key; an unmapped '
        "rate is looked up by Ставка",
    )


class OneCODataSettings(BaseModel):
    url: str = Field(
        default="http://127.0.0.1:8090/base/odata/standard.odata/",
        description="The base's standard OData root, …/odata/standard.odata/",
    )
    user: str = "odata"
    password: SecretStr = SecretStr("odata")
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    mapping: OneCMapping | None = None


class OneCSettings(BaseModel):
    adapter: Literal["stub", "odata"] = Field(
        default="stub",
        description="odata: a 1C base over its standard OData interface (production, and `make run` "
        "with its local 1C). stub: an in-memory catalogue, one copy per process, so the default only "
        "for unit tests and a bare process that needs no 1C",
    )
    catalogue_file: Path | None = Field(default=None, description="JSON catalogue for the stub")
    odata: OneCODataSettings = Field(default_factory=OneCODataSettings)

    @model_validator(mode="after")
    def _odata_needs_a_mapping(self) -> OneCSettings:
        if self.adapter == "odata" and self.odata.mapping is None:
            raise ValueError(
                "onec.odata.mapping (APP_ONEC__ODATA__MAPPING) is required for the odata adapter"
            )
        return self


DEFAULT_WEBHOOK_SECRET = "change-me-webhook-secret"


class AmoCrmSettings(BaseModel):
    adapter: Literal["stub", "http"] = "stub"
    subdomain: str = "example"
    base_url: str | None = Field(default=None, description="Override of https://{subdomain}.amocrm.ru")
    token: SecretStr | None = None
    webhook_secret: SecretStr = SecretStr(DEFAULT_WEBHOOK_SECRET)
    account_id: str | None = Field(default=None, description="The only account[id] webhooks are taken from")
    create_on_add: bool = Field(default=True, description="A new lead (leads[add]) creates an order")
    order_status_ids: list[int] = Field(
        default_factory=lambda: [142], description="Lead statuses (leads[status]) that create an order"
    )
    responsible_users: dict[int, str] = Field(
        default_factory=dict,
        description="amoCRM user id → the email of the employee (a manager) who owns its leads here",
    )
    retry_after_seconds: float = Field(
        default=120,
        gt=0,
        description="A delivery still unprocessed this long after it came is handed to the worker again "
        "(its job was lost, or Redis was down when it came)",
    )
    default_assignee: str | None = Field(
        default=None,
        description="Email of the employee who gets an amoCRM order nobody else owns (else a head)",
    )


class MailboxSettings(BaseModel):
    """The shared mailbox read over IMAP: orders and clients' answers that arrive by e-mail."""

    host: str = Field(
        default="",
        description="IMAP server (imap.yandex.ru, imap.mail.ru, …); empty: the mailbox is not read",
    )
    port: int = Field(default=993, ge=1, le=65_535)
    tls: bool = Field(default=True, description="IMAP over TLS (port 993); false only for a local server")
    username: str = ""
    password: SecretStr = Field(default=SecretStr(""), description="The password or an app password")
    folders: list[str] = Field(default_factory=lambda: ["INBOX"], description="Folders read, in order")
    taken_keyword: str = Field(
        default="Pomoshnik",
        pattern=r"^[A-Za-z$][A-Za-z0-9_$-]{0,40}$",
        description="The IMAP keyword (a tag mail clients show) put on every message taken",
    )
    move_to: str | None = Field(
        default=None, description="A folder every message taken is moved to (after the keyword)"
    )
    max_message_bytes: int = Field(
        default=30 * 1024 * 1024,
        ge=1024,
        description="A larger message is not fetched: it is kept as a failure with its size",
    )
    batch: int = Field(default=200, ge=1, le=10_000, description="Messages taken per folder per run")
    idle_seconds: float = Field(
        default=50,
        ge=0,
        le=25 * 60,
        description="After taking what is there, wait this long with IDLE (where the server has it) "
        "for new mail before the run ends; the next minute's run polls again",
    )
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    default_assignee: str | None = Field(
        default=None,
        description="Email of the employee who gets the tasks of mail nobody else owns (else a head)",
    )

    @property
    def enabled(self) -> bool:
        return bool(self.host.strip())


class WebhookSettings(BaseModel):
    """What the webhooks (amoCRM, Telegram) keep of the deliveries they refuse, and how many they
    take from one source address."""

    refused_excerpt_bytes: int = Field(
        default=2048,
        ge=0,
        le=65_536,
        description="A refused delivery keeps only this much of its body (and its full length)",
    )
    refused_per_window: int = Field(
        default=30,
        ge=1,
        le=100_000,
        description="Refused deliveries kept per source address within the window; beyond them the "
        "address is answered 429 with Retry-After and nothing is stored (accepted deliveries are "
        "never limited: amoCRM and Telegram send from addresses shared by all their customers)",
    )
    refused_window_seconds: int = Field(default=600, ge=1, le=86_400)
    refused_keep_days: int = Field(
        default=14, ge=1, le=3650, description="Refused deliveries older than this are deleted by the sweep"
    )


class PostSettings(BaseModel):
    """Russian Post tracking: `russianpost` is its single-item tracking service (SOAP 1.2,
    getOperationHistory), which needs the login and password the post issues; `stub` invents."""

    adapter: Literal["stub", "russianpost"] = "stub"
    url: str = "https://tracking.russianpost.ru/rtm34"
    login: str = ""
    password: SecretStr = SecretStr("")
    timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    daily_requests: int = Field(
        default=100,
        ge=24,
        description="Tracking requests a day the post allows (100 without a contract); the hourly "
        "job asks for its share, the letters checked longest ago first",
    )


class StorageSettings(BaseModel):
    """Where files are kept: a local folder (default) or an S3-compatible bucket."""

    backend: Literal["local", "s3"] = "local"
    local_dir: Path = Field(default=VAR_DIR / "storage", description="Folder of the local backend")
    s3_bucket: str = "pomoshnik"
    s3_prefix: str = Field(default="", description="Prefix put before every key in the bucket")
    s3_endpoint_url: str | None = Field(default=None, description="For S3-compatible stores (MinIO, Yandex)")
    s3_region: str = "ru-central1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_timeout_seconds: float = Field(default=20.0, gt=0)
    max_document_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        le=200 * 1024 * 1024,
        description="Largest file attached to an order",
    )


class ProposalSettings(BaseModel):
    """Commercial proposals (process 2)."""

    max_photo_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)
    max_markup_percent: Decimal = Field(default=Decimal(300), ge=0, le=10_000)
    request_due_working_days: int = Field(
        default=1, ge=0, le=30, description="When no deadline is given, the proposal is due in this many"
    )
    supply_reminder_hours: int = Field(
        default=4, ge=1, le=24 * 14, description="A price request unanswered this long reminds supply"
    )
    validity_days: int = Field(default=14, ge=1, le=365, description="Validity printed when none is set")
    default_price_category: str = Field(
        default="Оптовая", description="1C price category of catalogue lines when the request names none"
    )


class KeyRateSettings(BaseModel):
    """Where the Bank of Russia key rate is refreshed from, and when the table counts as stale."""

    adapter: Literal["stub", "cbr"] = Field(
        default="stub",
        description="`cbr`: the Bank of Russia's DailyInfo web service; `stub`: the packaged table",
    )
    url: str = "https://www.cbr.ru/DailyInfoWebServ/DailyInfo.asmx"
    timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    max_retries: int = Field(default=2, ge=0, le=10)
    lookback_days: int = Field(
        default=45, ge=7, le=5000, description="Each refresh reads the published rates of this many past days"
    )
    stale_after_days: int = Field(
        default=3, ge=1, le=90, description="No successful refresh for this long: readiness says `stale`"
    )


class WorkerSettingsModel(BaseModel):
    sweep_batch: int = Field(default=500, ge=1, le=10000)
    max_attempts: int = Field(default=8, ge=1, le=100)
    stuck_after_minutes: float = Field(default=10, gt=0)


_SHORT_OFFSET = re.compile(r"([+-]?)((?:\d+[wdhms])+)")
_OFFSET_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


class ClockSettings(BaseModel):
    """Time moved for demos, browser tests and support: never in production."""

    offset: timedelta = Field(
        default=timedelta(0),
        description="Added to the real time by the API, the worker and the CLI: `+30d`, `-2h`, `1d12h` "
        "(w d h m s) or an ISO-8601 duration (`P30D`, `-PT2H`). Refused when APP_ENV=prod",
    )

    @field_validator("offset", mode="before")
    @classmethod
    def _short_form(cls, value: object) -> object:
        if isinstance(value, str) and (match := _SHORT_OFFSET.fullmatch(value.strip().lower())):
            sign, body = match.groups()
            parts = {
                _OFFSET_UNITS[unit]: float(number) for number, unit in re.findall(r"(\d+)([wdhms])", body)
            }
            delta = timedelta(**parts)
            return -delta if sign == "-" else delta
        return value


class CompanySettings(BaseModel):
    """Our requisites as printed on invoices and letters (invented defaults for the demo)."""

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone of the tz database (e.g. Europe/Moscow)"
            ) from None
        return value

    @field_validator("vat_rates")
    @classmethod
    def _vat_rates(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("at least one VAT rate is needed")
        for day, rate in value.items():
            date.fromisoformat(day)
            if not 0 <= Decimal(rate) < 100:
                raise ValueError(f"VAT rate {rate} from {day} must be from 0 to under 100")
        return value

    name: str = "ООО «Спецодежда-Север»"
    # The department's time zone: its days, deadlines and the dates the console shows.
    timezone: str = "Europe/Moscow"
    inn: str = "3525000013"
    kpp: str | None = "352501001"
    address: str = "160000, г. Вологда, ул. Промышленная, д. 1"
    bank_name: str = "ПАО «Примерный банк», г. Вологда"
    bik: str = "041909000"
    account: str = "40702810000000000001"
    correspondent_account: str = "30101810900000000000"
    director_name: str = "Лебедева И. П."
    accountant_name: str = "Фролова Т. Н."
    vat_rates: dict[str, str] = Field(
        default_factory=lambda: {"2019-01-01": "20", "2026-01-01": "22"},
        description="VAT in percent by the date it is in force from (JSON: ISO date -> rate)",
    )
    invoice_payment_working_days: int = Field(
        default=5, ge=0, le=120, description="Payment term of an invoice when the client has no deferment"
    )
    price_rounding: Literal["kopeck", "ruble"] = Field(
        default="kopeck", description="How computed selling prices are rounded"
    )
    phone: str = "+7 (8172) 00-00-00"
    email: str = "sales@example.com"
    logo_key: str | None = Field(default=None, description="Storage key of the logo printed on proposals")


ManagementRole = Literal[
    "admin",
    "director",
    "head",
    "manager",
    "assistant",
    "lawyer",
    "accountant",
    "supply",
    "warehouse",
    "workshop",
    "driver",
]


def _director() -> list[ManagementRole]:
    return ["director"]


class ApprovalSettings(BaseModel):
    management_roles: list[ManagementRole] = Field(
        default_factory=_director,
        min_length=1,
        description="The roles that are the company's management: they alone approve or refuse "
        "credit terms (deferment, limit, discount) and an invoice's discount beyond the client's "
        "approved one or below the purchase price (JSON list of role names)",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="APP_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    env: Literal["dev", "test", "prod"] = "dev"
    log_level: str = "INFO"
    log_json: bool = False
    public_url: str = "http://127.0.0.1:8000"
    db: DbSettings = Field(default_factory=DbSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    chat: ChatSettings = Field(default_factory=ChatSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    onec: OneCSettings = Field(default_factory=OneCSettings)
    amocrm: AmoCrmSettings = Field(default_factory=AmoCrmSettings)
    post: PostSettings = Field(default_factory=PostSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    mailbox: MailboxSettings = Field(default_factory=MailboxSettings)
    worker: WorkerSettingsModel = Field(default_factory=WorkerSettingsModel)
    rates: KeyRateSettings = Field(default_factory=KeyRateSettings)
    company: CompanySettings = Field(default_factory=CompanySettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    proposals: ProposalSettings = Field(default_factory=ProposalSettings)
    clock: ClockSettings = Field(default_factory=ClockSettings)
    approvals: ApprovalSettings = Field(default_factory=ApprovalSettings)

    @model_validator(mode="after")
    def _queue_of_this_installation(self) -> Settings:
        if not self.redis.queue_name:
            digest = hashlib.sha256(self.db.url.encode()).hexdigest()[:12]
            self.redis.queue_name = f"pomoshnik:{digest}"
        return self

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.env == "prod" and self.amocrm.webhook_secret.get_secret_value() == DEFAULT_WEBHOOK_SECRET:
            raise ValueError("APP_AMOCRM__WEBHOOK_SECRET must be set to a real secret when APP_ENV=prod")
        if self.env == "prod" and self.db.url.startswith("sqlite"):
            raise ValueError("APP_DB__URL must point to PostgreSQL when APP_ENV=prod")
        if self.env == "prod" and self.clock.offset:
            # Deadlines, letters and penalties would be dated by a time that is not the real one.
            raise ValueError(
                "APP_CLOCK__OFFSET moves the clock for demos and tests only; unset it when APP_ENV=prod"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
