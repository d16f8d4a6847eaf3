"""The app store on SQLite and PostgreSQL: migrations, users, API keys and the hash-chained audit log."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from clearsight.access import audit
from clearsight.access.users import (
    add_user,
    authenticate,
    create_api_key,
    list_users,
    principal_of_key,
    revoke_api_key,
    set_disabled,
    set_role,
)
from clearsight.core.errors import UserError
from clearsight.core.store import open_store
from clearsight.core.store.db import HEAD
from clearsight.core.store.models import AuditEntry, Decision, utcnow
from portal_live import app_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    yield from app_store(request.param, tmp_path)


def test_migrations_run_once_and_are_idempotent(store):
    assert store.revision() == HEAD
    store.migrate()
    again = open_store(url=store.url)
    assert again.revision() == HEAD
    again.close()


def test_users_passwords_roles_and_offices(store):
    add_user(store, "ana", "analyst", "a-long-password")
    add_user(store, "otto", "officer", "another-password", ["KESEA01"])
    assert [u.name for u in list_users(store)] == ["ana", "otto"]
    assert authenticate(store, "ana", "a-long-password").role == "analyst"
    assert authenticate(store, "ana", "wrong-password") is None
    assert authenticate(store, "nobody", "a-long-password") is None
    assert authenticate(store, "otto", "another-password").offices == ["KESEA01"]
    with store.session() as s:
        stored = s.execute(text("SELECT password_hash FROM users WHERE name = 'ana'")).scalar()
    assert stored.startswith("$argon2") and "a-long-password" not in stored
    with pytest.raises(UserError, match="already exists"):
        add_user(store, "ana", "analyst", "a-long-password")
    with pytest.raises(UserError, match="unknown role 'boss'"):
        add_user(store, "bob", "boss", "a-long-password")
    with pytest.raises(UserError, match="at least 10 characters"):
        add_user(store, "bob", "analyst", "short")
    set_role(store, "ana", "auditor")
    assert authenticate(store, "ana", "a-long-password").role == "auditor"
    set_disabled(store, "ana")
    assert authenticate(store, "ana", "a-long-password") is None


def test_api_keys_are_hashed_and_revocable(store):
    key, row = create_api_key(store, "ccs", "service", "tests")
    assert key.startswith("cs_") and row.key_hash != key
    assert principal_of_key(store, key).role == "service"
    assert principal_of_key(store, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    revoke_api_key(store, row.prefix)
    assert principal_of_key(store, key) is None


def _fill(store, n=5):
    for i in range(n):
        audit.record(store, actor=f"user{i}", role="analyst", action="declarations.list", resource="declarations",
                     filter={"q": f"x{i}"}, rows=i, client="127.0.0.1")


def test_audit_chain_verifies_and_the_table_is_append_only(store):
    _fill(store)
    result = audit.verify(store)
    assert result.ok and result.entries == 5
    with pytest.raises(DBAPIError, match="append-only"), store.session() as s:
        s.execute(text("UPDATE audit_log SET rows = 999 WHERE id = 2"))
    with pytest.raises(DBAPIError, match="append-only"), store.session() as s:
        s.execute(text("DELETE FROM audit_log WHERE id = 2"))
    assert audit.verify(store).ok


def _drop_guard(store) -> None:
    """What someone with owner rights could do: remove the trigger, then tamper."""
    with store.session() as s:
        if store.dialect == "postgresql":
            s.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        else:
            s.execute(text("DROP TRIGGER audit_log_no_update"))
            s.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_verify_detects_an_edited_entry(store):
    _fill(store)
    _drop_guard(store)
    with store.session() as s:
        s.execute(text("UPDATE audit_log SET rows = 0 WHERE id = 3"))
    result = audit.verify(store)
    assert not result.ok and result.problems == ["entry 3: its content does not match its hash (it was edited)"]


def test_verify_detects_a_deleted_entry(store):
    _fill(store)
    _drop_guard(store)
    with store.session() as s:
        s.execute(text("DELETE FROM audit_log WHERE id = 2"))
    result = audit.verify(store)
    assert not result.ok and result.entries == 4
    assert any(p.startswith("entry 3: its link does not match") for p in result.problems)


def test_concurrent_appends_from_two_processes_keep_one_chain(store):
    """Two independent stores (as the server and the CLI would be) appending at once."""
    other = open_store(url=store.url)
    other.audit_lock = threading.Lock()  # a different process: no shared in-process lock

    def append(s, who):
        for i in range(15):
            audit.record(s, actor=who, role="admin", action="x", resource=str(i))

    threads = [threading.Thread(target=append, args=(s, n)) for s, n in ((store, "a"), (other, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    result = audit.verify(store)
    assert result.ok, result.problems
    assert result.entries == 30


def _decision(declaration_id: str) -> dict:
    return {"declaration_id": declaration_id, "item_no": 1, "score": 0.5, "fraud_probability": 0.25,
            "expected_revenue": 10.0, "lane": "green", "reasons": ["a reason"], "model_version": "m",
            "decided_by": "key:ccs", "decided_at": utcnow()}


def test_group_commit_chains_many_callers_and_saves_their_rows(store):
    """Callers in several threads (as requests arrive), a second store appending one by one between them."""
    writer = audit.GroupCommit(store, max_batch=8)
    other = open_store(url=store.url)
    other.audit_lock = threading.Lock()  # another process: its own lock, the database's write lock between them

    def call(i: int) -> None:
        values = audit.entry_values(actor="key:ccs", role="service", action="score", resource=f"declarations/D{i}")
        writer.submit(values, [(Decision.__table__, _decision(f"D{i}"))]).result(timeout=60)
        if i % 10 == 0:
            audit.record(other, actor="cli", role="admin", action="x", resource=str(i))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(call, range(60)))
    writer.close()
    other.close()
    result = audit.verify(store)
    assert result.ok, result.problems
    assert result.entries == 66
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 60
        assert s.scalar(select(Decision.reasons).where(Decision.declaration_id == "D7")) == ["a reason"]


def test_group_commit_saves_nothing_of_a_failed_batch(store):
    writer = audit.GroupCommit(store)
    bad = {**_decision("BAD"), "lane": None}  # NOT NULL: the transaction fails
    values = audit.entry_values(actor="key:ccs", role="service", action="score", resource="declarations/BAD")
    with pytest.raises(DBAPIError):
        writer.submit(values, [(Decision.__table__, bad)]).result(timeout=60)
    ok = audit.entry_values(actor="key:ccs", role="service", action="score", resource="declarations/OK")
    writer.submit(ok, [(Decision.__table__, _decision("OK"))]).result(timeout=60)  # the writer carries on
    writer.close()
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 1
        assert [e.resource for e in s.scalars(select(AuditEntry))] == ["declarations/OK"]
    assert audit.verify(store).ok


def test_group_commit_answers_coroutines_once_committed(store):
    writer = audit.GroupCommit(store)

    async def callers() -> None:
        async def one(i: int) -> None:
            values = audit.entry_values(actor="key:ccs", role="service", action="score", resource=f"declarations/A{i}")
            await writer.append(values, [(Decision.__table__, _decision(f"A{i}"))])
            with store.session() as s:  # committed before the caller goes on
                assert s.scalar(select(func.count()).select_from(Decision).where(Decision.declaration_id == f"A{i}")) == 1

        await asyncio.gather(*(one(i) for i in range(20)))

    asyncio.run(callers())
    writer.close()
    result = audit.verify(store)
    assert result.ok and result.entries == 20


def test_an_officers_lane_change_is_saved_with_its_audit_entry(store):
    """A decision made by a person has no score, probability, revenue or model (migration 0006): it is
    saved, with its reason and its audit entry, on both stores."""
    import datetime as dt

    from clearsight.selectivity.decisions import lane_change_row

    item = {"declaration_id": "D1", "item_no": 2, "office_id": "KESEA01", "lodged_at": dt.datetime(2024, 5, 1, 9)}
    row = lane_change_row(item, "green", "known regular shipment", decided_by="officer")
    writer = audit.GroupCommit(store)
    values = audit.entry_values(actor="officer", role="officer", action="lanes.change", resource="declarations/D1/items/2")
    writer.submit(values, [row]).result(timeout=60)
    writer.close()
    with store.session() as s:
        saved = s.execute(select(Decision).where(Decision.declaration_id == "D1")).scalar_one()
    assert (saved.channel, saved.selected_by, saved.lane, saved.decided_by) == ("officer", "officer", "green", "officer")
    assert saved.reasons == ["known regular shipment"] and saved.score is None and saved.model_version is None
    assert audit.verify(store).ok
