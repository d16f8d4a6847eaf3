"""Portal settings (env prefix ``CLEARSIGHT_PORTAL_``): limits, sign-in throttling, cookies.

Lanes are the selectivity room's (``clearsight select`` and its ``CLEARSIGHT_SELECT_*`` policy)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLEARSIGHT_PORTAL_", extra="ignore")

    #: Largest request body accepted (bytes): a declaration of 999 items fits easily.
    max_body_bytes: int = 1_000_000
    #: Failed sign-ins allowed per user name and per client address in the window, then 429.
    login_failures: int = 5
    login_window_s: int = 300
    #: Most sign-in keys (client addresses, user names) remembered; the least recently failed go first.
    login_max_entries: int = 100_000
    #: Password checks running at once (argon2: 64 MiB each); more at the same moment are answered 503.
    login_concurrency: int = 4
    #: Secure cookies (set when served over HTTPS behind a proxy).
    secure_cookies: bool = False
    #: Seconds a request waits for the DuckDB warehouse file while a command (``clearsight ingest``...)
    #: is using it; then it is answered 503. The portal opens the file per request, never while idle.
    warehouse_wait_s: float = 15.0
