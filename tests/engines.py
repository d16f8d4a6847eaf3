"""Optional engines (Java for Spark, PostgreSQL, Chromium): skipped with the reason on a user's machine,
a failure under CLEARSIGHT_REQUIRE_ALL=1 (CI).

A plain module, imported by name: pytest loads every ``conftest.py`` under the module name
``conftest``, so a helper reached through the root conftest module can vanish once a sub-folder's
conftest is loaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CLEARSIGHT_CHROMIUM", "/usr/bin/chromium")


def require_all() -> bool:
    return os.environ.get("CLEARSIGHT_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip on a user's machine; fail under CLEARSIGHT_REQUIRE_ALL=1."""
    if require_all():
        pytest.fail(f"required engine missing (CLEARSIGHT_REQUIRE_ALL=1): {reason}")
    pytest.skip(reason)


def java_available() -> bool:
    java = shutil.which("java")
    if not java:
        return False
    return subprocess.run([java, "-version"], capture_output=True).returncode == 0


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)
