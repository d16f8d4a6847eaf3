"""The workspace: the one folder that is one administration's installation, and the only place that
names its paths.

Every file a run reads or writes lives under ``home``: the warehouse, the app store, models, reports,
published releases, secrets and scratch space. Rooms ask the workspace for a path instead of joining
folder names themselves, so moving a folder is a change in one file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clearsight.core.settings import Settings

if TYPE_CHECKING:
    from clearsight.core.store import Store
    from clearsight.core.warehouse import Warehouse

#: Folders created with the workspace; ``secrets`` is readable by its owner only.
FOLDERS = ("models", "reports", "secrets", "tmp")


@dataclass(frozen=True)
class Workspace:
    """Paths of one workspace, and the two stores it opens."""

    settings: Settings

    @classmethod
    def of(cls, settings: Settings | None = None) -> Workspace:
        return cls(settings or Settings())

    # -- folders ------------------------------------------------------------------------------------
    @property
    def home(self) -> Path:
        return self.settings.home

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    @property
    def tmp_dir(self) -> Path:
        return self.home / "tmp"

    @property
    def releases_dir(self) -> Path:
        """Row-level releases written by ``clearsight share``."""
        return self.home / "releases"

    @property
    def statistics_dir(self) -> Path:
        """Published statistics tables (``clearsight stats publish``)."""
        return self.reports_dir / "statistics"

    @property
    def contracts_dir(self) -> Path:
        """Performance measurement contracts (``clearsight pmc save``), one YAML file each."""
        return self.home / "performance" / "contracts"

    @property
    def demo_world_dir(self) -> Path:
        """The synthetic world ``clearsight demo`` generates and loads."""
        return self.home / "demo-world"

    @property
    def duckdb_spill_dir(self) -> Path:
        """Where DuckDB spills while staging and checking a file."""
        return self.tmp_dir / "duckdb"

    # -- files --------------------------------------------------------------------------------------
    def report(self, name: str) -> Path:
        """A room's HTML or JSON report by file name (``quality.html``, ``release.html``, ...)."""
        return self.reports_dir / name

    @property
    def realtime_thresholds(self) -> Path:
        """The lane thresholds the real-time decider uses, written by ``clearsight select``."""
        return self.home / "selectivity" / "realtime.json"

    @property
    def drift_cache(self) -> Path:
        return self.tmp_dir / "drift-cache.json"

    @property
    def portal_key(self) -> Path:
        """The key signing portal sessions."""
        return self.secrets_dir / "portal.key"

    # -- what the data is in --------------------------------------------------------------------------
    @property
    def currency(self) -> str | None:
        """The currency of the warehouse's amounts: the settings' (``CLEARSIGHT_CURRENCY``), else the
        national currency the demo's synthetic world records, else None (amounts shown bare)."""
        if self.settings.currency:
            return self.settings.currency
        try:
            world = json.loads((self.demo_world_dir / "world.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        code = world.get("national_currency") if isinstance(world, dict) else None
        return code if isinstance(code, str) and code else None

    # -- lifecycle ----------------------------------------------------------------------------------
    def create(self) -> Path:
        """Create the workspace folders (idempotent) and return ``home``."""
        self.home.mkdir(parents=True, exist_ok=True)
        for name in FOLDERS:
            (self.home / name).mkdir(exist_ok=True)
        self.secrets_dir.chmod(0o700)
        return self.home

    def open_warehouse(
        self, *, wait_s: float | None = None, on_wait: Callable[[str], None] | None = None
    ) -> Warehouse:
        """The warehouse at the settings' URL (the DuckDB file in ``home`` by default)."""
        from clearsight.core.warehouse import connect

        wait = self.settings.warehouse_wait_s if wait_s is None else wait_s
        if on_wait is None:
            return connect(self.settings.warehouse_url, wait_s=wait)
        return connect(self.settings.warehouse_url, wait_s=wait, on_wait=on_wait)

    def open_app_store(self) -> Store:
        """The app store (users, keys, audit, rules, decisions), migrated to the latest revision."""
        from clearsight.core.store import open_store

        return open_store(self.settings)


__all__ = ["FOLDERS", "Workspace"]
