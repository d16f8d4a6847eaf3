"""Helpers shared by the portal, access and browser tests: a live uvicorn server in a thread, a
workspace with the synthetic warehouse and a trained risk model, app stores on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import socket
import threading
import time
import uuid
from pathlib import Path

import httpx
import uvicorn

from clearsight.access.users import add_user, create_api_key
from clearsight.core.settings import Settings
from clearsight.core.store import open_store
from clearsight.core.warehouse import connect
from clearsight.portal.app import create_app
from clearsight.portal.cli import proxy_options
from engines import skip_or_fail

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROLES = ("admin", "analyst", "officer", "auditor", "manager", "researcher", "service")
OFFICE = "KESEA01"
OTHER_OFFICE = "KEAIR01"


def password_of(role: str) -> str:
    return f"pw-{role}-not-a-secret"


def postgres_url() -> tuple[str, str] | None:
    """A fresh schema in the local PostgreSQL (URL, schema), or None when PostgreSQL is not reachable."""
    from sqlalchemy import create_engine, text

    schema = f"cs_portal_{uuid.uuid4().hex[:10]}"
    try:
        engine = create_engine(PG_BASE)
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
    except Exception:
        return None
    return f"{PG_BASE}?options=-csearch_path%3D{schema}", schema


def drop_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_BASE)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def app_store(kind: str, tmp_path: Path):
    """An app store on ``sqlite`` (a file in ``tmp_path``) or ``postgresql`` (a fresh schema, dropped
    afterwards), for fixtures: ``yield from app_store(request.param, tmp_path)``."""
    if kind == "sqlite":
        store = open_store(url=f"sqlite:///{tmp_path / 'app.sqlite'}")
        yield store
        store.close()
        return
    found = postgres_url()
    if found is None:
        skip_or_fail("PostgreSQL is not reachable at 127.0.0.1:5432")
    url, schema = found
    store = open_store(url=url)
    yield store
    store.close()
    drop_schema(schema)


def trained_home(tmp_path_factory, warehouse_file: Path) -> Path:
    """A workspace template holding a copy of the synthetic warehouse and a small promoted model (built once)."""
    home = tmp_path_factory.getbasetemp() / "portal-trained-home"
    done = home / ".done"
    if done.exists():
        return home
    from clearsight.risk.engine import train
    from clearsight.risk.registry import ModelRegistry

    home.mkdir(exist_ok=True)
    shutil.copyfile(warehouse_file, home / "warehouse.duckdb")
    wh = connect(f"duckdb://{home / 'warehouse.duckdb'}")
    try:
        train(wh, ModelRegistry(home / "models"), promote=True, name="portal-test-model", model_params={"n_estimators": 40})
    finally:
        wh.close()
    done.touch()
    return home


def workspace(template: Path | None, dest: Path, with_model: bool = True) -> Settings:
    """A private workspace: the template's warehouse (and model, if asked) copied to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    if template is not None:
        shutil.copyfile(template / "warehouse.duckdb", dest / "warehouse.duckdb")
        if with_model:
            shutil.copytree(template / "models", dest / "models")
    return Settings(home=dest)


class LiveServer:
    """uvicorn serving the app on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
                                                    **proxy_options(None)))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the portal did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def portal(self):
        return self.app.state.portal


def start_portal(settings: Settings, store_url: str | None = None, portal_settings=None) -> tuple[LiveServer, dict[str, str]]:
    """A live portal with one user per role (officer: one office) and a service API key."""
    store = open_store(settings, url=store_url)
    for role in ROLES:
        add_user(store, role, role, password_of(role), [OFFICE] if role == "officer" else [])
    key, _ = create_api_key(store, "clearance-system", "service", "tests")
    app = create_app(settings, store=store, warehouse=connect(settings.warehouse_url), portal_settings=portal_settings)
    return LiveServer(app).start(), {"service_key": key}


def token(base_url: str, role: str) -> str:
    r = httpx.post(f"{base_url}/api/v1/auth/token", data={"username": role, "password": password_of(role)})
    r.raise_for_status()
    return r.json()["access_token"]


def sample_declaration(declaration_id: str = "TEST-0001", items: int = 1) -> dict:
    return {
        "declaration_id": declaration_id,
        "office_id": OFFICE,
        "declarant_id": "IM000109",
        "importer_id": "IM000109",
        "lodged_at": "2024-06-01T10:00:00",
        "mode_of_transport": "sea",
        "country_of_export": "CN",
        "items": [
            {"item_no": i + 1, "hs_code": "85414300", "country_of_origin": "CN", "customs_value": 12000.0 + i,
             "net_mass_kg": 350.0, "quantity": 17, "quantity_unit": "u", "duty_rate": 10.0, "duty_tax_amount": 1200.0}
            for i in range(items)
        ],
    }


def decide_lane(wh, declaration_id: str, item_no: int, lane: str, decided_by: str = "tests") -> None:
    """A batch lane decision for one goods item in ``selections``, as ``clearsight select`` stores them."""
    import datetime as dt

    import pyarrow as pa

    from clearsight.selectivity.selections import ARROW_SCHEMA, TABLE, selections_table

    selections_table(wh)  # created when first used
    d = wh.table("declarations")
    item = d.filter((d.declaration_id == declaration_id) & (d.item_no == item_no)).to_pyarrow().to_pylist()[0]
    row = {
        "selection_id": f"tests-{uuid.uuid4().hex[:8]}", "decided_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)
        - dt.timedelta(minutes=1), "declaration_id": declaration_id, "item_no": item_no,
        "office_id": item["office_id"], "lodged_at": item["lodged_at"], "lane": lane, "selected_by": "model",
        "random_control": False, "exploration": False, "rules_hit": [], "model_version": "tests", "score": 0.9,
        "fraud_probability": 0.5, "expected_revenue": 100.0, "channel": "batch", "decided_by": decided_by,
        "reasons": [],
    }
    wh.insert(TABLE, pa.Table.from_pylist([row], schema=ARROW_SCHEMA))
