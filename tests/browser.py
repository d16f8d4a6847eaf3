"""Chromium for the browser tests: Debian's Chromium, headless, through Playwright, with the flags
that keep it from reaching out (updates, sync, background traffic)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from engines import CHROMIUM

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium browser, closed at the end of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
