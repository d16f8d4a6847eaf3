"""Portal settings (env prefix ``CLEARSIGHT_PORTAL_``): lane thresholds, limits, sign-in throttling."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLEARSIGHT_PORTAL_", extra="ignore")

    #: Lanes until the selectivity room lands: red at or above either red threshold, yellow at or
    #: above either yellow threshold, green otherwise.
    #: Revenue is in national currency: set these for yours (the defaults suit the synthetic world,
    #: where they send about 1-2 % of items to red and about 10 % to yellow).
    red_probability: float = 0.3
    red_expected_revenue: float = 250_000.0
    yellow_probability: float = 0.15
    yellow_expected_revenue: float = 100_000.0
    #: Largest request body accepted (bytes): a declaration of 999 items fits easily.
    max_body_bytes: int = 1_000_000
    #: Failed sign-ins allowed per user name and per client address in the window, then 429.
    login_failures: int = 5
    login_window_s: int = 300
    #: Secure cookies (set when served over HTTPS behind a proxy).
    secure_cookies: bool = False
