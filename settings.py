"""Diego's settings, read from the environment when the server starts."""

import ipaddress
import os
import typing
from dataclasses import dataclass

from diego import DEFAULT_FALLBACK_REPLY
from diego.serving.limits import STATEMENT_MAX_LENGTH
from diego.serving.log_format import LOG_FORMATS

ENVIRONMENTS = ("development", "production")
SECRET_KEY_MIN_LENGTH = 32

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = "sqlite:///diego.sqlite3"
    redis_url: str = ""  # empty: presence kept in this process only
    learn_from_users: bool = False
    learn_quorum: int = 3  # distinct people who must teach an exchange before all hear it
    learn_max_length: int = 280  # longer teachings are refused
    learn_blocklist: str = ""  # a file of more words never learned, one per line
    max_message_length: int = 1000
    max_frame_size: int = 64 * 1024
    bot_workers: int = os.cpu_count() or 1
    environment: str = "development"
    # Empty in development means: use the key kept in `secret_key_file`.
    secret_key: str = ""
    secret_key_file: str = ".diego-secret-key"
    fallback_reply: str = DEFAULT_FALLBACK_REPLY
    rate_limit: float = 2.0  # messages a second, sustained, per connection
    rate_burst: int = 10
    rate_limit_per_ip: float = 10.0  # messages a second, sustained, per address
    rate_burst_per_ip: int = 30
    max_clients: int = 5000  # WebSocket clients of this process
    max_clients_per_ip: int = 50
    allowed_origins: tuple[str, ...] = ()  # empty: the server's own origin and localhost
    trusted_proxies: str = ""  # whose X-Forwarded-For / -Proto to believe
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    handshake_timeout: float = 10.0  # to send a whole request, or WebSocket handshake
    max_pending_connections: int = 1000  # connections yet to send their first request
    max_unsent_bytes: int = 1024 * 1024  # queued for a client that does not read them
    shutdown_timeout: float = 10.0  # how long stopping waits for clients
    history_retention_days: float = 30.0  # 0 keeps the history forever
    reply_timeout: float = 10.0  # past it, the apology; the worker is stopped and replaced
    log_format: str = "text"  # or "json": one object per line, for a log collector
    metrics_allowed: str = "127.0.0.1,::1"  # who may read GET /metrics

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_environ(cls, environ: typing.Mapping[str, str] = os.environ) -> "Settings":
        """Read the settings from environment variables.

        Raises `SettingsError` naming the first invalid variable.
        """
        default = cls()
        return cls(
            host=environ.get("HOST", default.host),
            port=_integer(environ, "PORT", default.port, low=0, high=65535),
            database_url=_database_url(environ, default.database_url),
            redis_url=_redis_url(environ),
            learn_from_users=_boolean(environ, "LEARN_FROM_USERS", default.learn_from_users),
            learn_quorum=_integer(environ, "LEARN_QUORUM", default.learn_quorum, low=1, high=1000),
            learn_max_length=_integer(
                environ,
                "LEARN_MAX_LENGTH",
                default.learn_max_length,
                low=1,
                high=STATEMENT_MAX_LENGTH,
            ),
            learn_blocklist=_readable_file(environ, "LEARN_BLOCKLIST"),
            max_message_length=_integer(
                environ,
                "MAX_MESSAGE_LENGTH",
                default.max_message_length,
                low=1,
                high=STATEMENT_MAX_LENGTH,
            ),
            max_frame_size=_integer(
                environ, "MAX_FRAME_SIZE", default.max_frame_size, low=1024, high=16 * 1024 * 1024
            ),
            bot_workers=_integer(environ, "BOT_WORKERS", default.bot_workers, low=1, high=64),
            environment=_environment(environ),
            secret_key=_secret_key(environ),
            secret_key_file=environ.get("SECRET_KEY_FILE", default.secret_key_file),
            fallback_reply=_fallback_reply(environ, default.fallback_reply),
            rate_limit=_number(environ, "RATE_LIMIT", default.rate_limit, low=0.01, high=1e6),
            rate_burst=_integer(environ, "RATE_BURST", default.rate_burst, low=1, high=10**6),
            rate_limit_per_ip=_number(
                environ, "RATE_LIMIT_PER_IP", default.rate_limit_per_ip, low=0.01, high=1e6
            ),
            rate_burst_per_ip=_integer(
                environ, "RATE_BURST_PER_IP", default.rate_burst_per_ip, low=1, high=10**6
            ),
            max_clients=_integer(environ, "MAX_CLIENTS", default.max_clients, low=1, high=10**6),
            max_clients_per_ip=_integer(
                environ, "MAX_CLIENTS_PER_IP", default.max_clients_per_ip, low=1, high=10**6
            ),
            allowed_origins=_origins(environ),
            trusted_proxies=environ.get("TRUSTED_PROXIES", default.trusted_proxies).strip(),
            ping_interval=_number(
                environ, "PING_INTERVAL", default.ping_interval, low=0.1, high=3600
            ),
            ping_timeout=_number(environ, "PING_TIMEOUT", default.ping_timeout, low=0.1, high=3600),
            handshake_timeout=_number(
                environ, "HANDSHAKE_TIMEOUT", default.handshake_timeout, low=0.1, high=3600
            ),
            max_pending_connections=_integer(
                environ,
                "MAX_PENDING_CONNECTIONS",
                default.max_pending_connections,
                low=1,
                high=10**6,
            ),
            max_unsent_bytes=_integer(
                environ, "MAX_UNSENT_BYTES", default.max_unsent_bytes, low=1024, high=2**30
            ),
            shutdown_timeout=_number(
                environ, "SHUTDOWN_TIMEOUT", default.shutdown_timeout, low=0.1, high=3600
            ),
            history_retention_days=_number(
                environ,
                "HISTORY_RETENTION_DAYS",
                default.history_retention_days,
                low=0,
                high=36500,
            ),
            reply_timeout=_number(
                environ, "REPLY_TIMEOUT", default.reply_timeout, low=0.1, high=3600
            ),
            log_format=_log_format(environ),
            metrics_allowed=_networks(environ, "METRICS_ALLOWED", default.metrics_allowed),
        )


def _integer(environ, name: str, default: int, *, low: int, high: int) -> int:
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _number(environ, name: str, default: float, *, low: float, high: float) -> float:
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, got {value:g}")
    return value


def _readable_file(environ, name: str) -> str:
    path = environ.get(name, "").strip()
    if path and not os.access(path, os.R_OK):
        raise SettingsError(f"{name} must be a readable file, got {path!r}")
    return path


def _origins(environ) -> tuple[str, ...]:
    origins = tuple(o.strip() for o in environ.get("ALLOWED_ORIGINS", "").split(",") if o.strip())
    for origin in origins:
        scheme, _, host = origin.partition("://")
        if scheme not in ("http", "https") or not host or "/" in host.rstrip("/"):
            raise SettingsError(
                f"ALLOWED_ORIGINS must be origins such as https://chat.example.com, got {origin!r}"
            )
    return origins


def _networks(environ, name: str, default: str) -> str:
    spelled = environ.get(name, default)
    for each in filter(None, (part.strip() for part in spelled.split(","))):
        try:
            ipaddress.ip_network(each, strict=False)
        except ValueError:
            raise SettingsError(
                f"{name} must be addresses or networks such as 127.0.0.1,10.0.0.0/8, got {each!r}"
            ) from None
    return spelled


def _redis_url(environ) -> str:
    url = environ.get("REDIS_URL", "").strip()
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(
            f"REDIS_URL must be a URL such as redis://127.0.0.1:6379/0, got {url!r}"
        )
    return url


def _boolean(environ, name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _database_url(environ, default: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    raw = environ.get("DATABASE_URL", default)
    try:
        make_url(raw)
    except ArgumentError:
        raise SettingsError(
            f"DATABASE_URL must be a SQLAlchemy URL such as sqlite:///diego.sqlite3, got {raw!r}"
        ) from None
    return raw


def _environment(environ) -> str:
    environment = environ.get("ENVIRONMENT", "development").strip().lower()
    if environment not in ENVIRONMENTS:
        raise SettingsError(f"ENVIRONMENT must be development or production, got {environment!r}")
    if environment == "production" and not environ.get("SECRET_KEY"):
        raise SettingsError(
            "SECRET_KEY must be set in production; make one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    return environment


def _log_format(environ) -> str:
    raw = environ.get("LOG_FORMAT", "text")
    if raw.strip().lower() not in LOG_FORMATS:
        raise SettingsError(f"LOG_FORMAT must be text or json, got {raw!r}")
    return raw.strip().lower()


def _secret_key(environ) -> str:
    key = environ.get("SECRET_KEY", "")
    if key and len(key) < SECRET_KEY_MIN_LENGTH:
        raise SettingsError(
            f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters long, got {len(key)}"
        )
    return key


def _fallback_reply(environ, default: str) -> str:
    reply = environ.get("FALLBACK_REPLY", default).strip()
    if not reply:
        raise SettingsError("FALLBACK_REPLY must not be empty")
    return reply
