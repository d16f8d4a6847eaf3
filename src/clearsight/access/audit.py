"""The audit log: append-only and hash-chained, so an edited or deleted entry is detected.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields (canonical JSON).
Changing a field breaks that entry's hash; deleting an entry breaks the next entry's link. The
database also refuses UPDATE and DELETE on the table (a trigger), so tampering needs owner rights.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from clearsight.access.store.db import Store
from clearsight.access.store.models import AuditEntry, utcnow

GENESIS = "0" * 64
FIELDS = ("at", "actor", "role", "action", "resource", "filter", "rows", "client", "outcome")


def entry_hash(prev_hash: str, values: dict[str, Any]) -> str:
    body = {k: (values[k].isoformat(timespec="microseconds") if isinstance(values[k], dt.datetime) else values[k]) for k in FIELDS}
    payload = prev_hash + json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    store: Store,
    *,
    actor: str,
    role: str,
    action: str,
    resource: str,
    filter: dict[str, Any] | None = None,
    rows: int = 0,
    client: str = "",
    outcome: str = "ok",
    also: list | None = None,
) -> AuditEntry:
    """Append one entry, chained to the last one (with ``also``: other rows saved in the same transaction)."""
    values = {
        "at": utcnow(),
        "actor": actor[:64],
        "role": role[:16],
        "action": action[:64],
        "resource": resource[:255],
        "filter": json.dumps(filter or {}, sort_keys=True, default=str)[:4000],
        "rows": int(rows),
        "client": (client or "")[:64],
        "outcome": outcome[:16],
    }
    with store.audit_lock, store.session() as s:
        # Other processes (the CLI, a second server) append too: take the write lock before reading
        # the last hash, so two entries can never claim the same predecessor.
        if store.dialect == "postgresql":
            s.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
        elif store.dialect == "sqlite":
            s.execute(text("UPDATE alembic_version SET version_num = version_num"))
        last = s.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
        prev = last or GENESIS
        entry = AuditEntry(**values, prev_hash=prev, hash=entry_hash(prev, values))
        s.add_all([*(also or []), entry])
        s.flush()
        return entry


@dataclass
class Verification:
    entries: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store: Store) -> Verification:
    """Walk the chain; name each entry whose content or link does not match."""
    problems: list[str] = []
    prev = GENESIS
    prev_id = 0
    n = 0
    with store.session() as s:
        for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
            n += 1
            values = {k: getattr(e, k) for k in FIELDS}
            if e.prev_hash != prev:
                problems.append(f"entry {e.id}: its link does not match entry {prev_id} (an entry before it was removed or changed)")
            if entry_hash(e.prev_hash, values) != e.hash:
                problems.append(f"entry {e.id}: its content does not match its hash (it was edited)")
            prev, prev_id = e.hash, e.id
    return Verification(n, problems)


def entries(store: Store, limit: int = 100, offset: int = 0, actor: str | None = None) -> list[AuditEntry]:
    with store.session() as s:
        q = select(AuditEntry).order_by(AuditEntry.id.desc())
        if actor:
            q = q.where(AuditEntry.actor == actor)
        return list(s.scalars(q.limit(limit).offset(offset)))


def as_dict(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.isoformat(timespec="seconds"),
        "actor": e.actor,
        "role": e.role,
        "action": e.action,
        "resource": e.resource,
        "filter": json.loads(e.filter),
        "rows": e.rows,
        "client": e.client,
        "outcome": e.outcome,
        "hash": e.hash,
    }
