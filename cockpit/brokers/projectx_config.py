"""The ``[projectx]`` settings and how live credentials are found.

Credentials come from the environment (``PROJECT_X_USERNAME``, ``PROJECT_X_API_KEY``,
``PROJECT_X_ACCOUNT_NAME``) or from this section; the environment wins. URLs default to
TopstepX and can point at any https gateway, or at plain http on loopback (the
emulator). Nothing here imports the SDK, so the config loads without it.

Secrets are held as :class:`~pydantic.SecretStr` and no validation of them can fail,
so a config error message never echoes an API key back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from cockpit.core.broker import BrokerError
from cockpit.core.models import Account
from cockpit.core.text import money

TOPSTEPX_API = "https://api.topstepx.com/api"
TOPSTEPX_USER_HUB = "https://rtc.topstepx.com/hubs/user"
TOPSTEPX_MARKET_HUB = "https://rtc.topstepx.com/hubs/market"

ENV_USERNAME = "PROJECT_X_USERNAME"
ENV_API_KEY = "PROJECT_X_API_KEY"
ENV_ACCOUNT = "PROJECT_X_ACCOUNT_NAME"
ENV_GATEWAY = "PROJECTX_GATEWAY"
"""One base URL for all three endpoints: ``http://127.0.0.1:8765`` for the emulator."""
ENV_URLS = {
    "api_url": "PROJECTX_API_URL",
    "user_hub_url": "PROJECTX_USER_HUB_URL",
    "market_hub_url": "PROJECTX_MARKET_HUB_URL",
}
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})


class ProjectXSetupError(BrokerError):
    """Live trading cannot start as configured (credentials, account choice, URLs).

    A usage error: the message tells the trader what to set; exit code 2.
    """


def check_url(value: str) -> str:
    """https anywhere; plain http only on loopback (the emulator)."""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value.rstrip("/")
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return value.rstrip("/")
    raise ValueError(
        f"{value!r} must be an https:// URL (http:// is allowed only for 127.0.0.1/localhost)"
    )


def gateway_urls(base: str) -> dict[str, str]:
    """The three endpoints of a gateway served under one base URL."""
    base = check_url(base)
    return {
        "api_url": f"{base}/api",
        "user_hub_url": f"{base}/hubs/user",
        "market_hub_url": f"{base}/hubs/market",
    }


class ProjectXSettings(BaseModel):
    """``[projectx]`` in config.toml. Prefer the environment for the API key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: SecretStr | None = None
    api_key: SecretStr | None = None
    account: str | None = None
    """The account to trade, by name; required when the login has several."""
    gateway: str | None = None
    """Base URL serving ``/api`` and ``/hubs/*`` (the emulator); overrides the three below."""
    api_url: str = TOPSTEPX_API
    user_hub_url: str = TOPSTEPX_USER_HUB
    market_hub_url: str = TOPSTEPX_MARKET_HUB
    timeout_seconds: int = Field(default=10, ge=1, le=120)
    """How long a REST call may take before its outcome counts as uncertain."""
    requests_per_minute: int = Field(default=120, ge=10, le=200)
    """Client-side REST budget (the Gateway allows 200 per minute)."""
    stale_after_seconds: float = Field(default=5.0, gt=0, le=600)
    """No market data for this long shows the feed as stale."""
    reconnect_after_seconds: float = Field(default=30.0, gt=0, le=3600)
    """A stale feed or a hub down this long is rebuilt (new login, new hubs)."""
    account_poll_seconds: float = Field(default=30.0, ge=0, le=3600)
    """Re-read the balance this often (0: only on account events and reconciles)."""
    check_interval_seconds: float = Field(default=0.25, gt=0, le=10)
    """How often the link supervisor looks at the hubs."""
    uncertain_grace_seconds: float = Field(default=10.0, ge=0, le=300)
    """How long an uncertain order is looked for by its tag before it counts as not placed."""

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        """Refuse unknown keys by name only: a mistyped ``api-key`` must not echo its value."""
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(cls.model_fields))
            if unknown:
                raise ValueError(
                    f"unknown key {', '.join(unknown)}; allowed: {', '.join(cls.model_fields)}"
                )
        return data

    @field_validator("username", "api_key", mode="before")
    @classmethod
    def _any_secret(cls, value: Any) -> Any:
        """Never fail on a secret (a failure message would echo it)."""
        if value is None or isinstance(value, SecretStr):
            return value
        return SecretStr(str(value))

    @field_validator("api_url", "user_hub_url", "market_hub_url", "gateway")
    @classmethod
    def _safe_url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    def urls(self) -> dict[str, str]:
        """api, user hub and market hub URLs from this section alone."""
        if self.gateway:
            return gateway_urls(self.gateway)
        return {
            "api_url": self.api_url,
            "user_hub_url": self.user_hub_url,
            "market_hub_url": self.market_hub_url,
        }


@dataclass(frozen=True, slots=True)
class LiveLogin:
    """Everything needed to log in: who, which account, and where."""

    username: str
    api_key: str
    account: str | None
    api_url: str
    user_hub_url: str
    market_hub_url: str

    def __repr__(self) -> str:
        return f"LiveLogin(account={self.account!r}, api_url={self.api_url!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.username, self.api_key)


def resolve_login(settings: ProjectXSettings, env: Mapping[str, str] | None = None) -> LiveLogin:
    """Credentials and URLs, environment first; a clear error naming what is missing."""
    env = os.environ if env is None else env
    username = env.get(ENV_USERNAME) or _reveal(settings.username)
    api_key = env.get(ENV_API_KEY) or _reveal(settings.api_key)
    account = env.get(ENV_ACCOUNT) or settings.account
    missing = [
        name for name, value in ((ENV_USERNAME, username), (ENV_API_KEY, api_key)) if not value
    ]
    if missing:
        raise ProjectXSetupError(
            f"live trading needs {' and '.join(missing)}: set them in the environment "
            "or as username / api_key in the [projectx] section of config.toml"
        )
    assert username is not None
    assert api_key is not None
    if len(api_key) < 10:
        raise ProjectXSetupError(f"{ENV_API_KEY} looks too short (an API key has 10+ characters)")
    urls = settings.urls()
    try:
        if env.get(ENV_GATEWAY):
            urls = gateway_urls(env[ENV_GATEWAY])
        for key, name in ENV_URLS.items():
            if env.get(name):
                urls[key] = check_url(env[name])
    except ValueError as exc:
        raise ProjectXSetupError(str(exc)) from None
    return LiveLogin(username, api_key, account or None, **urls)


def _reveal(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def choose_account(accounts: Sequence[Account], wanted: str | None) -> Account:
    """The account to trade: the one named, or the only one. Never the first of several."""
    if not accounts:
        raise ProjectXSetupError("this login has no active trading account")
    listing = "\n".join(f"  {_describe(a)}" for a in accounts)
    if wanted:
        for account in accounts:
            if account.name.upper() == wanted.strip().upper():
                return account
        raise ProjectXSetupError(f"no account named {wanted!r}; this login has:\n{listing}")
    if len(accounts) == 1:
        return accounts[0]
    raise ProjectXSetupError(
        f"this login has {len(accounts)} accounts and none was chosen; set "
        f"{ENV_ACCOUNT} or account in the [projectx] section to one of:\n{listing}"
    )


def _describe(account: Account) -> str:
    trading = "can trade" if account.can_trade else "cannot trade"
    kind = "simulated" if account.simulated else "live"
    return f"{account.name} (id {account.id}, balance {money(account.balance)}, {kind}, {trading})"
