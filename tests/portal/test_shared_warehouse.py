"""One DuckDB warehouse, two programs: commands run while ``clearsight serve`` serves the same workspace.

A DuckDB file is open in one process at a time. The portal opens it per request and closes it after,
so ``ingest``, ``quarantine list`` and ``select`` run beside a live server, and the server shows what
they wrote without a restart. When another process does hold the file, a command names it, waits,
and stops with one line when the wait runs out; the portal answers 503 naming it, and the scoring
API, which keeps what it needs in memory, keeps answering.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from clearsight.access.users import add_user, create_api_key
from clearsight.core.store import open_store
from clearsight.core.warehouse import WarehouseBusy, connect, holder_of, open_shared
from portal_live import password_of, sample_declaration, token, workspace

CLEARSIGHT = str(Path(sys.executable).parent / "clearsight")
DAY = "2025-06-02"  # after the synthetic world's last day: only the rows below are lodged on it
DECLARATIONS = f"""\
declaration_id,item_no,lodged_at,office_id,procedure_code,declaration_type,mode_of_transport,declarant_id,importer_id,seller_id,carrier_id,country_of_origin,country_of_export,hs_code,goods_description,quantity,quantity_unit,net_mass_kg,gross_mass_kg,customs_value,invoice_amount,invoice_currency,duty_rate,duty_tax_amount,preference_code,aeo_status
SHARED-0001,1,{DAY} 09:00:00,KESEA01,4000,IM4,sea,DC00006,IM000214,SL000082,CR008,CN,CN,87163900,TRAILERS,18,u,66242.1,70611.4,1306510.6,8227.9,USD,25.00,326627.6,,false
SHARED-0001,2,{DAY} 09:00:00,KESEA01,4000,IM4,sea,DC00006,IM000214,SL000082,CR008,CN,CN,44123100,Plywood,50.4,m3,31661.7,38015.0,1861655.8,11194.8,USD,0.00,0.00,,false
SHARED-0002,1,{DAY} 11:00:00,KESEA01,4000,IM4,sea,DC00006,IM000214,SL000082,CR008,CN,CN,NOTACODE,Plywood,50.4,m3,31661.7,38015.0,1861655.8,11194.8,USD,0.00,0.00,,false
"""
INSPECTIONS = """\
declaration_id,item_no,lane,method,inspected_at,result,fraud_type,additional_revenue,officer_id
SHARED-0001,1,red,physical,2025-06-03 10:00:00,fraud,undervaluation,12345.00,KESEA01-O001
"""
#: A process that holds the warehouse file until its standard input closes.
HOLDER = """\
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.read()
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(home: Path, *args: str, wait_s: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLEARSIGHT_WAREHOUSE_WAIT_S": str(wait_s)}
    return subprocess.run(
        [CLEARSIGHT, "--home", str(home), *args], env=env, capture_output=True, text=True, timeout=300
    )


def _hold(path: Path, folder: Path) -> subprocess.Popen:
    """A holder process, returned once it holds ``path``."""
    script = folder / "holder.py"
    script.write_text(HOLDER)
    proc = subprocess.Popen([sys.executable, str(script), str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def _release(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(30)


@pytest.fixture(scope="module")
def serving(model_home, tmp_path_factory):
    """``clearsight serve`` on a private copy of the trained workspace, with an analyst and an API key
    (requests wait 1 s for the warehouse file)."""
    settings = workspace(model_home, tmp_path_factory.mktemp("shared") / "home")
    store = open_store(settings)
    add_user(store, "analyst", "analyst", password_of("analyst"))
    key, _ = create_api_key(store, "clearance-system", "service", "tests")
    store.close()
    port = _port()
    env = {**os.environ, "CLEARSIGHT_PORTAL_WAREHOUSE_WAIT_S": "1"}
    proc = subprocess.Popen(
        [CLEARSIGHT, "--home", str(settings.home), "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        yield settings.home, base, proc, key
    finally:
        proc.terminate()
        proc.wait(30)


def test_commands_run_beside_the_portal_and_it_shows_their_rows_without_restart(serving, tmp_path):
    home, base, server, _ = serving
    headers = {"Authorization": f"Bearer {token(base, 'analyst')}"}
    assert holder_of("python", server.pid) == "clearsight serve"  # how a waiting command names it
    # The portal has used the warehouse (a page and its own start) and let go of it.
    assert httpx.get(f"{base}/api/v1/declarations/SHARED-0001", headers=headers).status_code == 404
    (tmp_path / "decl.csv").write_text(DECLARATIONS)
    (tmp_path / "insp.csv").write_text(INSPECTIONS)

    loaded = _run(home, "ingest", "declarations", str(tmp_path / "decl.csv"), "--json")
    assert loaded.returncode == 0, loaded.stderr
    batch = json.loads(loaded.stdout)
    assert (batch["rows_in"], batch["accepted"], batch["quarantined"]) == (3, 2, 1)
    results = _run(home, "ingest", "inspections", str(tmp_path / "insp.csv"))
    assert results.returncode == 0, results.stderr
    listed = _run(home, "quarantine", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {"batch_id": batch["batch"], "rows": 1} in [
        {"batch_id": b["batch_id"], "rows": b["rows"]} for b in json.loads(listed.stdout)
    ]
    selected = _run(home, "select", "--date", DAY, "--json")
    assert selected.returncode == 0, selected.stderr
    decided = json.loads(selected.stdout)
    assert decided["items"] == 2

    # The same server, never restarted, shows the new items, the result and the decision.
    assert server.poll() is None
    found = httpx.get(f"{base}/api/v1/declarations/SHARED-0001", headers=headers)
    assert found.status_code == 200, found.text
    items = {i["item_no"]: i for i in found.json()["items"]}
    assert sorted(items) == [1, 2]
    assert (items[1]["result"], items[1]["additional_revenue"], items[2]["result"]) == ("fraud", 12345.0, None)
    quarantine = httpx.get(f"{base}/quarantine?format=json", headers=headers).json()
    assert batch["batch"] in [b["batch_id"] for b in quarantine["batches"]]
    selection = httpx.get(f"{base}/selection?format=json", headers=headers).json()
    assert selection["selection"]["selection_id"] == decided["selection_id"]


def test_while_another_process_holds_the_file_pages_say_who_and_scoring_goes_on(serving, tmp_path):
    home, base, _, key = serving
    headers = {"Authorization": f"Bearer {token(base, 'analyst')}"}
    holder = _hold(home / "warehouse.duckdb", tmp_path)
    try:
        page = httpx.get(f"{base}/api/v1/declarations/X", headers=headers, timeout=30)
        assert page.status_code == 503 and page.headers["retry-after"] == "5"
        assert f"in use by holder.py (PID {holder.pid}) after 1 s" in page.json()["detail"]  # its wait, then 503
        scored = httpx.post(f"{base}/api/v1/score", json=sample_declaration("SHARED-LIVE"), headers={"X-API-Key": key})
        assert scored.status_code == 200, scored.text  # the model and its history are in memory
    finally:
        _release(holder)
    assert httpx.get(f"{base}/api/v1/declarations/X", headers=headers).status_code == 404  # the file again


def _second_model(models: Path, name: str) -> str:
    """A copy of the promoted model registered under another name (not promoted); returns the name."""
    registry = json.loads((models / "registry.json").read_text())
    entry = next(m for m in registry["models"] if m["name"] == registry["promoted"])
    copy = f"{entry['name']}-{name}"
    shutil.copytree(models / entry["name"], models / copy)
    registry["models"].append({**entry, "name": copy})
    (models / "registry.json").write_text(json.dumps(registry))
    return copy


def test_a_promotion_while_another_process_holds_the_file_keeps_the_loaded_model_serving(serving, tmp_path):
    from clearsight.risk.registry import ModelRegistry

    home, base, _, key = serving
    registry = ModelRegistry(home / "models")
    score = lambda n: httpx.post(  # noqa: E731
        f"{base}/api/v1/score", json=sample_declaration(f"SHARED-PROMOTED-{n}"), headers={"X-API-Key": key}, timeout=60
    )
    version = score(0).json()["model_version"]
    newer = _second_model(home / "models", "promoted-while-held")
    holder = _hold(home / "warehouse.duckdb", tmp_path)
    try:
        registry.promote(newer)  # loading it reads the warehouse, which the holder keeps
        for n in range(1, 4):  # how long a call takes meanwhile: benchmarks/shared_warehouse.py
            scored = score(n)
            assert scored.status_code == 200, scored.text  # the loaded model serves meanwhile
            assert scored.json()["model_version"] == version
    finally:
        _release(holder)
    # Once the file is free, the promoted model is loaded (tried again every RELOAD_RETRY_S).
    versions = []
    for n in range(4, 200):
        versions.append(score(n).json()["model_version"])
        if versions[-1] == newer:
            break
        time.sleep(0.1)
    assert versions[-1] == newer, versions
    registry.promote(version)  # the module's other tests expect the first model


def test_a_command_names_the_process_holding_the_warehouse_waits_then_stops_in_one_line(tmp_path):
    home = tmp_path / "home"
    connect(f"duckdb://{home / 'warehouse.duckdb'}").close()
    holder = _hold(home / "warehouse.duckdb", tmp_path)
    try:
        refused = _run(home, "quarantine", "list", wait_s=1)
        # and a command that waits long enough gets the file as soon as it is free
        env = {**os.environ, "CLEARSIGHT_WAREHOUSE_WAIT_S": "120"}
        waiting = subprocess.Popen(
            [CLEARSIGHT, "--home", str(home), "quarantine", "list", "--json"], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        said = waiting.stderr.readline()
    finally:
        _release(holder)
    out, err = waiting.communicate(timeout=120)

    who = f"holder.py (PID {holder.pid})"
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    lines = refused.stderr.splitlines()
    assert lines[0] == f"the warehouse {home / 'warehouse.duckdb'} is in use by {who}; waiting up to 1 s..."
    assert len(lines) == 2 and lines[1].startswith(f"error: the warehouse {home / 'warehouse.duckdb'} is still in use by {who} after 1 s;")
    assert said.startswith(f"the warehouse {home / 'warehouse.duckdb'} is in use by {who}; waiting up to 120 s")
    assert waiting.returncode == 0 and "Traceback" not in err
    assert json.loads(out) == []  # a fresh warehouse quarantines nothing


def test_a_shared_warehouse_holds_the_file_only_inside_a_session(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shared = open_shared(f"duckdb://{path}", wait_s=0.5)
    other = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); con.execute(sys.argv[2]); con.close()"
    add_event = "INSERT INTO events (declaration_id, event, office_id) VALUES ('D1', 'released', 'KESEA01')"
    refused: list[Exception] = []

    def second_session() -> None:
        try:
            with shared.session() as wh:
                wh.table("events").count().execute()
        except WarehouseBusy as exc:
            refused.append(exc)

    with shared.session() as wh:
        assert wh.table("events").count().execute() == 0
        locked = subprocess.run([sys.executable, "-c", other, str(path), add_event], capture_output=True, text=True)
        assert locked.returncode != 0 and "Conflicting lock" in locked.stderr
        thread = threading.Thread(target=second_session)
        thread.start()
        thread.join(10)
    assert len(refused) == 1 and "still busy with this process's other requests after 0.5 s" in str(refused[0])

    written = subprocess.run([sys.executable, "-c", other, str(path), add_event], capture_output=True, text=True)
    assert written.returncode == 0, written.stderr  # free between sessions
    with shared.session() as wh:
        assert wh.table("events").count().execute() == 1  # and the next session sees the other's row
    with pytest.raises(RuntimeError, match="used inside"):
        shared.table("events")
