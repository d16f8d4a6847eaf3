"""Settings and the workspace folder.

One settings object, read from the environment (prefix ``CLEARSIGHT_``) and overridable by the CLI's
``--home``. The workspace holds everything a run produces: the warehouse, the app store, models,
reports and secrets, so that one folder is one administration's installation.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """clearsight settings; every field can be set as ``CLEARSIGHT_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CLEARSIGHT_", extra="ignore")

    home: Path = Path("clearsight-home")
    #: Warehouse URL. Empty means the DuckDB file ``<home>/warehouse.duckdb``.
    #: ``pyspark://local[2]`` (optionally ``?warehouse_dir=PATH``) selects local Spark.
    warehouse: str = ""
    #: App store URL (SQLAlchemy). Empty means the SQLite file ``<home>/app.sqlite``.
    app_db: str = ""
    #: Memory DuckDB may use while staging and checking a file, before it spills to disk.
    ingest_memory_limit: str = "1GB"
    #: Seconds a command waits for a DuckDB warehouse file another process is using (one process at
    #: a time may open it), saying which process; then it stops with that message.
    warehouse_wait_s: float = 60.0
    #: The national currency the warehouse's amounts (customs value, duty, revenue recovered) are in,
    #: as an ISO 4217 code (``XOF``, ``KES``, ``EUR``): written beside every amount the portal and the
    #: reports show. Empty: the synthetic world's, in a demo workspace; otherwise amounts go without.
    currency: str = ""

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str) -> str:
        code = value.strip().upper()
        if not code:
            return ""
        import pycountry  # only when a currency is set: most commands never need it

        if pycountry.currencies.get(alpha_3=code) is None:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (such as XOF, KES or EUR)")
        return code

    @property
    def warehouse_url(self) -> str:
        return self.warehouse or f"duckdb://{(self.home / 'warehouse.duckdb').resolve()}"

    @property
    def app_db_url(self) -> str:
        return self.app_db or f"sqlite:///{(self.home / 'app.sqlite').resolve()}"

