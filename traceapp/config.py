"""Settings read from the environment (TRACEAPP_* and DATABASE_URL), with safe defaults."""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
import tomllib
from pathlib import Path
from typing import Any, overload

log = logging.getLogger(__name__)

#: The checkout that holds traceapp/, migrations/ and static/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = "production"
DEVELOPMENT = "development"
TESTING = "testing"


class ConfigError(RuntimeError):
    """Start-up stops with this message when the configuration is unsafe or inconsistent."""


@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: str | None = None) -> str | None: ...
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _retention() -> int | None:
    value = _env("TRACEAPP_SCAN_RETENTION_MONTHS")
    if value is None:
        return None
    months = _env_int("TRACEAPP_SCAN_RETENTION_MONTHS", 0)
    if months < 1:
        raise ConfigError(f"TRACEAPP_SCAN_RETENTION_MONTHS must be at least 1, got {value!r}")
    return months


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    """Tell whether a SQLAlchemy URL points at SQLite."""
    return url.startswith("sqlite")


def _development_secret(instance_path: Path) -> str:
    """Generate a secret key once and keep it in the instance folder (development only)."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    log.info("generated a development secret key in %s", path)
    return key


def _audit_keys() -> list[tuple[str, str]]:
    """TRACEAPP_AUDIT_KEYS: ``id:secret`` pairs separated by commas, oldest first."""
    value = _env("TRACEAPP_AUDIT_KEYS")
    if not value:
        return []
    keys = []
    for item in value.split(","):
        key_id, _sep, secret = item.strip().partition(":")
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", key_id) or len(secret) < 16:
            raise ConfigError(
                "TRACEAPP_AUDIT_KEYS must list id:secret pairs separated by commas (ids of "
                "letters, digits, '.', '_' or '-', up to 40; secrets of 16 characters or more)"
            )
        keys.append((key_id, secret))
    if len({key_id for key_id, _secret in keys}) != len(keys):
        raise ConfigError("TRACEAPP_AUDIT_KEYS names a key id twice")
    return keys


def _map_tiles() -> tuple[str | None, str]:
    """TRACEAPP_MAP_TILE_URL (an http(s) template with {z}, {x} and {y}) and its attribution."""
    url = _env("TRACEAPP_MAP_TILE_URL")
    attribution = _env("TRACEAPP_MAP_TILE_ATTRIBUTION", "") or ""
    if url is None:
        return None, attribution
    if not re.fullmatch(r"https?://[^\s\"'<>]+", url) or not all(
        part in url for part in ("{z}", "{x}", "{y}")
    ):
        raise ConfigError(
            "TRACEAPP_MAP_TILE_URL must be an http(s) address with {z}, {x} and {y}, "
            f"such as https://tiles.example.vn/{{z}}/{{x}}/{{y}}.png; got {url!r}"
        )
    return url, attribution


def _settings_file() -> dict[str, Any]:
    """Domain tunables (zone code schemes, OCOP cut-offs, yields, clone rules) from a TOML file."""
    name = _env("TRACEAPP_SETTINGS_FILE")
    if not name:
        return {}
    path = Path(name)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"TRACEAPP_SETTINGS_FILE {path}: {exc}") from exc


def load_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask configuration from the environment, then apply ``overrides``.

    Raises ConfigError when production is asked for without a secret key, or on SQLite
    without the explicit opt-in.
    """
    overrides = dict(overrides or {})
    env = overrides.pop("TRACEAPP_ENV", None) or _env("TRACEAPP_ENV", DEVELOPMENT)
    if env not in {PRODUCTION, DEVELOPMENT, TESTING}:
        raise ConfigError(f"TRACEAPP_ENV must be production, development or testing, got {env!r}")

    default_db = f"sqlite:///{instance_path / 'traceapp.sqlite3'}"
    database_url = normalise_database_url(
        overrides.pop("DATABASE_URL", None) or _env("DATABASE_URL", default_db)
    )
    secret = overrides.pop("SECRET_KEY", None) or _env("SECRET_KEY")
    if not secret:
        if env == PRODUCTION:
            raise ConfigError(
                "SECRET_KEY is not set. In production traceapp refuses to start without it: "
                'generate one with `python -c "import secrets; print(secrets.token_urlsafe(48))"` '
                "and set SECRET_KEY in the service environment."
            )
        secret = _development_secret(instance_path)
    allow_sqlite = overrides.get("TRACEAPP_ALLOW_SQLITE") or _env_bool("TRACEAPP_ALLOW_SQLITE")
    if env == PRODUCTION and is_sqlite(database_url) and not allow_sqlite:
        raise ConfigError(
            "DATABASE_URL points at SQLite while TRACEAPP_ENV=production. Set DATABASE_URL "
            "to PostgreSQL (postgresql://user@host/dbname), or opt in to a single-machine "
            "SQLite deployment with TRACEAPP_ALLOW_SQLITE=1."
        )

    public_base = (_env("TRACEAPP_PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    tile_url, tile_attribution = _map_tiles()
    legacy_hosts = [
        h.strip().lower() for h in (_env("TRACEAPP_LEGACY_HOSTS", "") or "").split(",") if h.strip()
    ]

    config: dict[str, Any] = {
        "TRACEAPP_ENV": env,
        "TESTING": env == TESTING,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "TRACEAPP_SQLITE_BUSY_TIMEOUT_MS": _env_int("TRACEAPP_SQLITE_BUSY_TIMEOUT_MS", 15000),
        "TRACEAPP_DB_RETRIES": _env_int("TRACEAPP_DB_RETRIES", 4),
        "TRACEAPP_PUBLIC_BASE_URL": public_base,
        "TRACEAPP_LEGACY_HOSTS": legacy_hosts,
        "TRACEAPP_PROXY_COUNT": _env_int("TRACEAPP_PROXY_COUNT", 0),
        "TRACEAPP_LOGIN_RATE_LIMIT": _env("TRACEAPP_LOGIN_RATE_LIMIT", "10 per minute"),
        "TRACEAPP_PUBLIC_RATE_LIMIT": _env("TRACEAPP_PUBLIC_RATE_LIMIT", "120 per minute"),
        "TRACEAPP_API_RATE_LIMIT": _env("TRACEAPP_API_RATE_LIMIT", "600 per minute"),
        "TRACEAPP_REPORT_RATE_LIMIT": _env("TRACEAPP_REPORT_RATE_LIMIT", "5 per hour"),
        "TRACEAPP_REPORT_GLOBAL_LIMIT": _env("TRACEAPP_REPORT_GLOBAL_LIMIT", "300 per hour"),
        # database:// keeps the login and API counters in the app's database, shared by every
        # worker and server (traceapp.core.ratelimit); memory:// counts in each process.
        "RATELIMIT_STORAGE_URI": _env("TRACEAPP_RATELIMIT_STORAGE_URI", "database://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "TRACEAPP_UPLOAD_MAX_BYTES": _env_int("TRACEAPP_UPLOAD_MAX_BYTES", 5 * 1024 * 1024),
        # Zone outlines (GeoJSON, KML) and member files (CSV, XLSX) are checked against these
        # before they are parsed, so one request cannot take a worker's memory or time.
        "TRACEAPP_GEOMETRY_MAX_BYTES": _env_int("TRACEAPP_GEOMETRY_MAX_BYTES", 5 * 1024 * 1024),
        "TRACEAPP_GEOMETRY_MAX_POSITIONS": _env_int("TRACEAPP_GEOMETRY_MAX_POSITIONS", 50_000),
        "TRACEAPP_GEOMETRY_MAX_ELEMENTS": _env_int("TRACEAPP_GEOMETRY_MAX_ELEMENTS", 20_000),
        "TRACEAPP_IMPORT_MAX_BYTES": _env_int("TRACEAPP_IMPORT_MAX_BYTES", 8 * 1024 * 1024),
        "TRACEAPP_IMPORT_MAX_EXPANDED_BYTES": _env_int(
            "TRACEAPP_IMPORT_MAX_EXPANDED_BYTES", 64 * 1024 * 1024
        ),
        "TRACEAPP_IMPORT_MAX_ROWS": _env_int("TRACEAPP_IMPORT_MAX_ROWS", 50_000),
        "TRACEAPP_IMPORT_MAX_COLUMNS": _env_int("TRACEAPP_IMPORT_MAX_COLUMNS", 100),
        "TRACEAPP_IMPORT_MAX_CELL_CHARS": _env_int("TRACEAPP_IMPORT_MAX_CELL_CHARS", 5000),
        # Off by default: the maps draw outlines on a plain background, with no request
        # leaving the closed network (traceapp.zones.views_map).
        "TRACEAPP_MAP_TILE_URL": tile_url,
        "TRACEAPP_MAP_TILE_ATTRIBUTION": tile_attribution,
        "TRACEAPP_UPLOAD_DIR": _env("TRACEAPP_UPLOAD_DIR", str(instance_path / "uploads")),
        "TRACEAPP_JOB_DIR": _env("TRACEAPP_JOB_DIR", str(instance_path / "jobs")),
        "TRACEAPP_LOG_LEVEL": _env("TRACEAPP_LOG_LEVEL", "INFO"),
        "TRACEAPP_SCAN_SALT": _env("TRACEAPP_SCAN_SALT"),
        # Empty: one key derived from SECRET_KEY (traceapp.audit.chain.derived_key).
        "TRACEAPP_AUDIT_KEYS": _audit_keys(),
        "TRACEAPP_AUDIT_ANCHOR_FILE": _env(
            "TRACEAPP_AUDIT_ANCHOR_FILE", str(instance_path / "audit-anchor.log")
        ),
        "TRACEAPP_SCAN_FLUSH_SECONDS": float(
            _env("TRACEAPP_SCAN_FLUSH_SECONDS", "0" if env == TESTING else "0.5")
        ),
        "TRACEAPP_SCAN_FAST_PATH": _env_bool("TRACEAPP_SCAN_FAST_PATH", True),
        "TRACEAPP_LABELS_SYNC_LIMIT": _env_int("TRACEAPP_LABELS_SYNC_LIMIT", 5000),
        "TRACEAPP_EPCIS_SYNC_BYTES": _env_int("TRACEAPP_EPCIS_SYNC_BYTES", 1024 * 1024),
        "TRACEAPP_JOBS_INLINE": _env_bool("TRACEAPP_JOBS_INLINE", env == TESTING),
        # Unset: a local worker runs the jobs on SQLite, `traceapp worker` on PostgreSQL.
        "TRACEAPP_JOBS_INLINE_WORKER": (
            None
            if _env("TRACEAPP_JOBS_INLINE_WORKER") in (None, "")
            else _env_bool("TRACEAPP_JOBS_INLINE_WORKER")
        ),
        "TRACEAPP_JOBS_STALL_SECONDS": float(_env("TRACEAPP_JOBS_STALL_SECONDS", "120")),
        "TRACEAPP_WORKER_POLL_SECONDS": float(_env("TRACEAPP_WORKER_POLL_SECONDS", "1")),
        # How often the worker refreshes the console's kept figures (0: never; the tests
        # refresh when they mean to). The scan log's months are looked after hourly.
        "TRACEAPP_FIGURES_REFRESH_SECONDS": float(
            _env("TRACEAPP_FIGURES_REFRESH_SECONDS", "0" if env == TESTING else "300")
        ),
        # Unset: keep every scan. Else scans older than this many months are removed (daily
        # counts stay).
        "TRACEAPP_SCAN_RETENTION_MONTHS": _retention(),
        # Uploads (and checked rows) of import jobs that ended, or were never confirmed, are
        # let go after this many hours.
        "TRACEAPP_UPLOAD_RETENTION_HOURS": float(_env("TRACEAPP_UPLOAD_RETENTION_HOURS", "72")),
        "TRACEAPP_DOMAIN": _settings_file(),
        # A JSON file of more country profiles (traceapp/data/countries/README.md).
        "TRACEAPP_COUNTRIES_FILE": _env("TRACEAPP_COUNTRIES_FILE"),
        # Uploads and imports are read into memory; refuse anything larger at the edge.
        "MAX_CONTENT_LENGTH": _env_int("TRACEAPP_MAX_REQUEST_BYTES", 16 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": public_base.startswith("https://") and env == PRODUCTION,
        "SESSION_COOKIE_NAME": "traceapp_session",
        "PERMANENT_SESSION_LIFETIME": _env_int("TRACEAPP_SESSION_HOURS", 12) * 3600,
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": _env("TRACEAPP_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "TRACEAPP_LANGUAGES": ["vi", "en", "fr", "zh", "km", "tr"],
        "API_TITLE": "traceapp",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "security": [{"bearerAuth": []}],
        },
    }
    config.update(overrides)
    return config
