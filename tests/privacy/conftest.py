"""Fixtures of the privacy room: a workspace holding the synthetic warehouse, and releases built once."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from privacy_helpers import TEST_QIS, build, make_home


@pytest.fixture
def home(synthetic_warehouse_file, tmp_path) -> Path:
    """A private workspace with the synthetic warehouse (12,000 items)."""
    return make_home(synthetic_warehouse_file, tmp_path / "home")


@pytest.fixture(scope="session")
def shared_home(synthetic_warehouse_file, tmp_path_factory) -> Path:
    """One workspace for the releases built once per run (tests only read them)."""
    return make_home(synthetic_warehouse_file, tmp_path_factory.mktemp("privacy-home"))


@pytest.fixture(scope="session")
def research_release(shared_home) -> dict:
    """A research release for recipient 'uni', with the utility report."""
    return build(
        shared_home,
        "--recipient",
        "uni",
        "--new-key",
        "--quasi-identifiers",
        TEST_QIS,
        "--out",
        str(shared_home / "out" / "research-uni"),
    )


@pytest.fixture(scope="session")
def public_release(shared_home) -> dict:
    return build(
        shared_home, "--profile", "public", "--no-utility", "--out", str(shared_home / "out" / "public")
    )


@pytest.fixture(scope="session")
def originals(synthetic_warehouse_file) -> dict[str, set[str]]:
    """Every identifier, name and address of the source, read with plain DuckDB SQL (not the room's code)."""
    con = duckdb.connect(str(synthetic_warehouse_file), read_only=True)
    try:
        ids: set[str] = set()
        for col in ("declaration_id", "importer_id", "declarant_id", "seller_id", "carrier_id"):
            ids |= {
                r[0]
                for r in con.execute(
                    f"select distinct {col} from declarations where {col} is not null"
                ).fetchall()
            }
        ids |= {r[0] for r in con.execute("select party_id from parties").fetchall()}
        texts = {r[0] for r in con.execute("select name from parties where name is not null").fetchall()}
        texts |= {
            r[0] for r in con.execute("select address from parties where address is not null").fetchall()
        }
        texts |= {
            r[0]
            for r in con.execute(
                "select distinct goods_description from declarations where goods_description is not null"
            ).fetchall()
        }
        rows = con.execute("select count(*) from declarations").fetchone()[0]
    finally:
        con.close()
    return {"ids": ids, "texts": texts, "rows": rows}
