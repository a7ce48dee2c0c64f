"""Settings from the environment (and `.env`), validated once, with readable complaints.

A malformed number falls back to its default and leaves a one-line warning; a base URL that is not
http(s) is kept but makes that source fail with a `ConfigError` when fetched, so the app still runs
on its cache. The API key is stripped, checked and never part of `repr()`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from .urls import plain_http_to_remote, shorten, url_problem, webhook_url_problem

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASE_URL = "https://api.chutes.ai"
DEFAULT_LLM_BASE_URL = "https://llm.chutes.ai"
DEFAULT_MODELS_DEV_URL = "https://models.dev/api.json"  # keyless (issue 19)
DEFAULT_OPENROUTER_URL = "https://openrouter.ai/api/v1/models"  # keyless (issue 19)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
MAX_CACHE_MINUTES = 525_600.0  # a year
MAX_HTTP_TIMEOUT = 600.0  # seconds
MAX_HISTORY_DAYS = 36_500
MAX_HTTP_RETRIES = 10
MAX_PAGE_SIZE = 5000  # the server's cap on `limit` (a larger value gets a 422)
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces: safe in a header
# CHUTES_ALLOWED_HOSTS entries: `*` (any), a name or `*.suffix`, an IPv4 address, or `[IPv6]`
_HOST_PATTERN = re.compile(
    r"^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])$"
)
# CHUTES_CORS_ORIGINS entries: `*` or an origin as browsers send it (scheme://host[:port], no path)
_ORIGIN_PATTERN = re.compile(r"^(\*|https?://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?)$")


@dataclass(frozen=True)
class Settings:
    """Everything the data layer needs to know. Build it with `Settings.from_env()`."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    llm_base_url: str = DEFAULT_LLM_BASE_URL
    cache_dir: Path = PROJECT_ROOT / "cache"
    cache_minutes: float = 10.0
    http_timeout: float = 20.0
    offline: bool = False
    page_size: int = MAX_PAGE_SIZE  # one large call: 10,000 chutes are 2 requests
    max_retries: int = 3
    backoff_base: float = 0.5
    retry_after_cap: float = 30.0
    history_days: int = 180
    admin_token: str | None = field(default=None, repr=False)
    webhook_urls: tuple[str, ...] = field(default=(), repr=False)  # may carry credentials
    webhook_secret: str | None = field(default=None, repr=False)
    telemetry_minutes: float = 10.0
    probe_timeout: float = 60.0
    allowed_hosts: tuple[str, ...] = ()  # CHUTES_ALLOWED_HOSTS: names served beyond loopback ones
    cors_origins: tuple[str, ...] = ()  # CHUTES_CORS_ORIGINS: origins whose pages may GET /api/*
    scores: tuple[str, ...] = ()  # CHUTES_SCORES: leaderboard tables (paths or URLs, `#column`)
    models_dev_url: str = DEFAULT_MODELS_DEV_URL  # CHUTES_MODELS_DEV_URL: absolute, never sent the key
    openrouter_url: str = DEFAULT_OPENROUTER_URL  # CHUTES_OPENROUTER_URL: absolute, never sent the key
    market_minutes: float = 360.0
    database_url: str | None = field(default=None, repr=False)  # CHUTES_DATABASE_URL (has a password)
    warnings: tuple[str, ...] = ()

    @property
    def ttl_seconds(self) -> float:
        return self.cache_minutes * 60

    @property
    def telemetry_ttl_seconds(self) -> float:
        """How long a telemetry snapshot is fresh (CHUTES_TELEMETRY_MINUTES)."""
        return self.telemetry_minutes * 60

    @property
    def market_ttl_seconds(self) -> float:
        """How long a market snapshot (models.dev, OpenRouter) is fresh (CHUTES_MARKET_MINUTES)."""
        return self.market_minutes * 60

    @property
    def total_budget(self) -> float:
        """Upper bound, in seconds, on one source's whole fetch including retries and pages.

        The two sources are fetched at the same time, so this also bounds a whole cold load."""
        return max(self.http_timeout * 4, 10.0)

    @property
    def has_key(self) -> bool:
        return bool(self.api_key)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: Path | None = None) -> Settings:
        """Read settings from `env` (default: os.environ plus the project's `.env`, env wins)."""
        values = dict(_dotenv_values(dotenv if dotenv is not None else PROJECT_ROOT / ".env"))
        values.update(os.environ if env is None else env)
        warnings: list[str] = []

        def number(
            name: str, default: float, *, minimum: float, maximum: float, integer: bool = False
        ) -> float:
            raw = values.get(name)
            if raw is None or str(raw).strip() == "":
                return default
            try:
                parsed = float(str(raw).strip())
            except ValueError:
                parsed = math.nan
            # an upper bound too: a huge value overflows timedelta / socket timeouts / JSON (inf)
            if (
                not math.isfinite(parsed)
                or not minimum <= parsed <= maximum
                or (integer and parsed != int(parsed))
            ):
                warnings.append(
                    f"{name}={shorten(raw)!r} is not a valid number "
                    f"({minimum:g} to {maximum:g}); using the default {default:g}."
                )
                return default
            return int(parsed) if integer else parsed

        key = _check_key(values.get("CHUTES_API_KEY"), warnings)
        base_url = _url(values.get("CHUTES_BASE_URL"), DEFAULT_BASE_URL)
        llm_base_url = _url(values.get("CHUTES_LLM_BASE_URL"), DEFAULT_LLM_BASE_URL)
        market_urls = {
            "CHUTES_MODELS_DEV_URL": _url(values.get("CHUTES_MODELS_DEV_URL"), DEFAULT_MODELS_DEV_URL),
            "CHUTES_OPENROUTER_URL": _url(values.get("CHUTES_OPENROUTER_URL"), DEFAULT_OPENROUTER_URL),
        }
        for name, url in (
            ("CHUTES_BASE_URL", base_url),
            ("CHUTES_LLM_BASE_URL", llm_base_url),
            *market_urls.items(),
        ):
            problem = url_problem(url)
            if problem:
                warnings.append(f"{name}: {problem}")
        if key and not url_problem(base_url) and plain_http_to_remote(base_url):
            warnings.append(
                "CHUTES_API_KEY would be sent over plain http to a non-loopback host "
                f"({urlsplit(base_url).hostname}); use https."
            )
        cache_dir = Path(values.get("CHUTES_CACHE_DIR") or PROJECT_ROOT / "cache").expanduser()
        offline_raw = str(values.get("CHUTES_OFFLINE") or "").strip().lower()
        if offline_raw not in _TRUE | _FALSE:
            warnings.append(
                f"CHUTES_OFFLINE={shorten(values.get('CHUTES_OFFLINE'))!r} is not "
                "1/true/yes/on or 0/false/no/off; staying online (not offline)."
            )
        return cls(
            api_key=key,
            base_url=base_url,
            llm_base_url=llm_base_url,
            cache_dir=cache_dir,
            cache_minutes=number("CACHE_DURATION_MINUTES", 10.0, minimum=0, maximum=MAX_CACHE_MINUTES),
            http_timeout=number("CHUTES_HTTP_TIMEOUT", 20.0, minimum=0.1, maximum=MAX_HTTP_TIMEOUT),
            offline=offline_raw in _TRUE,
            max_retries=int(
                number("CHUTES_HTTP_RETRIES", 3, minimum=0, maximum=MAX_HTTP_RETRIES, integer=True)
            ),
            history_days=int(
                number("CHUTES_HISTORY_DAYS", 180, minimum=1, maximum=MAX_HISTORY_DAYS, integer=True)
            ),
            admin_token=_check_secret(
                "CHUTES_ADMIN_TOKEN", values.get("CHUTES_ADMIN_TOKEN"), warnings, minimum=16
            ),
            webhook_urls=_webhook_urls(values.get("CHUTES_WEBHOOK_URLS"), warnings),
            webhook_secret=_check_secret(
                "CHUTES_WEBHOOK_SECRET", values.get("CHUTES_WEBHOOK_SECRET"), warnings, minimum=16
            ),
            telemetry_minutes=number("CHUTES_TELEMETRY_MINUTES", 10.0, minimum=0, maximum=MAX_CACHE_MINUTES),
            probe_timeout=number("CHUTES_PROBE_TIMEOUT", 60.0, minimum=1, maximum=MAX_HTTP_TIMEOUT),
            allowed_hosts=_listed("CHUTES_ALLOWED_HOSTS", values, _HOST_PATTERN, "host names", warnings),
            cors_origins=_listed("CHUTES_CORS_ORIGINS", values, _ORIGIN_PATTERN, "origins", warnings),
            scores=_scores(values.get("CHUTES_SCORES"), warnings),
            models_dev_url=market_urls["CHUTES_MODELS_DEV_URL"],
            openrouter_url=market_urls["CHUTES_OPENROUTER_URL"],
            market_minutes=number("CHUTES_MARKET_MINUTES", 360.0, minimum=0, maximum=MAX_CACHE_MINUTES),
            database_url=_database_url(values.get("CHUTES_DATABASE_URL"), warnings),
            warnings=tuple(warnings),
        )


def _database_url(raw: str | None, warnings: list[str]) -> str | None:
    """CHUTES_DATABASE_URL (postgresql://…) or None; a malformed one is a warning (never showing
    its password) and the embedded SQLite history is used."""
    from .errors import ConfigError
    from .history.engine import check_database_url

    try:
        return check_database_url(raw)
    except ConfigError as exc:
        warnings.append(f"{exc}. Using the embedded SQLite history instead.")
        return None


def _url(raw: str | None, default: str) -> str:
    raw = (raw or "").strip()
    return raw.rstrip("/") if raw else default


def _check_key(raw: str | None, warnings: list[str]) -> str | None:
    if raw is None:
        return None
    key = raw.strip()
    scheme, _, rest = key.partition(" ")
    if scheme.lower() == "bearer":  # also a bare "Bearer" (a blank key after the scheme)
        key = rest.strip()
    if not key:
        warnings.append("CHUTES_API_KEY is set but empty; fetching public chutes anonymously.")
        return None
    if not _HEADER_SAFE.match(key):
        warnings.append(
            "CHUTES_API_KEY contains spaces or characters that cannot be sent in a "
            "header; it is ignored and public chutes are fetched anonymously."
        )
        return None
    return key


def _check_secret(name: str, raw: str | None, warnings: list[str], *, minimum: int) -> str | None:
    """A token or secret from the environment: stripped, header-safe, not trivially short.
    The value itself never appears in a warning."""
    if raw is None:
        return None
    value = raw.strip()
    if not value:
        warnings.append(f"{name} is set but empty; it is ignored.")
        return None
    if not _HEADER_SAFE.match(value):
        warnings.append(
            f"{name} contains spaces or characters that cannot be sent in a header; it is ignored."
        )
        return None
    if len(value) < minimum:
        warnings.append(
            f"{name} is shorter than {minimum} characters; it is ignored "
            "(use a long random value, e.g. `openssl rand -hex 32`)."
        )
        return None
    return value


def _webhook_urls(raw: str | None, warnings: list[str]) -> tuple[str, ...]:
    urls: list[str] = []
    for part in (raw or "").split(","):
        url = part.strip()
        if not url:
            continue
        problem = webhook_url_problem(url)
        if problem:
            warnings.append(f"CHUTES_WEBHOOK_URLS: {problem} It is ignored.")
        elif url not in urls:
            urls.append(url)
    return tuple(urls)


def _listed(
    name: str, values: Mapping[str, str], pattern: re.Pattern, what: str, warnings: list[str]
) -> tuple[str, ...]:
    """A comma-separated list, lower-cased and de-duplicated; an entry `pattern` refuses is
    dropped with a warning naming it (the others still apply)."""
    out: list[str] = []
    for part in str(values.get(name) or "").split(","):
        entry = part.strip().lower().rstrip("/" if what == "origins" else ".")
        if not entry:
            continue
        if not pattern.match(entry):
            warnings.append(f"{name}: {shorten(part.strip())!r} is not one of the {what} it takes; ignored.")
        elif entry not in out:
            out.append(entry)
    return tuple(out)


def _dotenv_values(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        from dotenv import dotenv_values
    except ImportError:  # python-dotenv is optional for the pure package
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _scores(raw: str | None, warnings: list[str]) -> tuple[str, ...]:
    """CHUTES_SCORES: comma-separated paths or http(s) URLs of scores tables (issue 20); another
    URL scheme is ignored with a warning."""
    kept = []
    for entry in (e.strip() for e in (raw or "").split(",")):
        if not entry:
            continue
        scheme = entry.split("://", 1)[0].lower() if "://" in entry else ""
        if scheme and scheme not in ("http", "https"):
            warnings.append(
                f"CHUTES_SCORES: {entry[:60]!r} is neither a path nor an http(s) URL. It is ignored."
            )
            continue
        kept.append(entry)
    return tuple(kept)
