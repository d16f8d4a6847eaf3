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
    #: Secure cookies (set when served over HTTPS behind a proxy).
    secure_cookies: bool = False
