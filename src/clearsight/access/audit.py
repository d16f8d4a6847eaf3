"""The audit log: append-only and hash-chained, so an edited or deleted entry is detected.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields (canonical JSON).
Changing a field breaks that entry's hash; deleting an entry breaks the next entry's link. The
database also refuses UPDATE and DELETE on the table (a trigger), so tampering needs owner rights.

:func:`record` appends one entry in a transaction of its own. :class:`GroupCommit` serves callers
that arrive many at a time (the scoring API): it appends the entries of every caller waiting, and the
rows each one saves with its entry, in one transaction, and each caller is answered only once that
transaction has committed. Both take the same locks, so the chain stays one chain whoever appends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Table, insert, select, text

from clearsight.access.store.db import Store
from clearsight.access.store.models import AuditEntry, utcnow

GENESIS = "0" * 64
FIELDS = ("at", "actor", "role", "action", "resource", "filter", "rows", "client", "outcome")


def entry_hash(prev_hash: str, values: dict[str, Any]) -> str:
    body = {k: (values[k].isoformat(timespec="microseconds") if isinstance(values[k], dt.datetime) else values[k]) for k in FIELDS}
    payload = prev_hash + json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def entry_values(
    *,
    actor: str,
    role: str,
    action: str,
    resource: str,
    filter: dict[str, Any] | None = None,
    rows: int = 0,
    client: str = "",
    outcome: str = "ok",
) -> dict[str, Any]:
    """An entry's fields, cut to their column widths, stamped now."""
    return {
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


_AUDIT = AuditEntry.__table__
#: Statements built once (Core, compiled once per engine): they run in every audit transaction.
_LAST_HASH = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
_WRITE_LOCK = {
    "postgresql": text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"),
    "sqlite": text("UPDATE alembic_version SET version_num = version_num"),
}


def _last_hash(store: Store, s) -> str:
    """The chain's last hash, read under the database's write lock (``s``: a session or connection).

    Other processes (the CLI, a second server) append too: taking the write lock before reading the
    last hash means two entries can never claim the same predecessor.
    """
    lock = _WRITE_LOCK.get(store.dialect)
    if lock is not None:
        s.execute(lock)
    return s.scalar(_LAST_HASH) or GENESIS


def record(store: Store, **fields: Any) -> AuditEntry:
    """Append one entry (``fields``: those of :func:`entry_values`), chained to the last one, in a
    transaction of its own."""
    values = entry_values(**fields)
    with store.audit_lock, store.session() as s:
        prev = _last_hash(store, s)
        entry = AuditEntry(**values, prev_hash=prev, hash=entry_hash(prev, values))
        s.add(entry)
        s.flush()
        return entry


@cache
def _inserts(table: Table):
    return insert(table)


@dataclass
class _Pending:
    values: dict[str, Any]
    rows: Sequence[tuple[Table, dict[str, Any]]]
    done: Future | asyncio.Future = field(default_factory=Future)
    loop: asyncio.AbstractEventLoop | None = None  # the event loop of an asyncio future


def _settle(batch: list[_Pending], error: BaseException | None) -> None:
    for p in batch:
        if p.done.done():  # an asyncio caller that has gone (cancelled)
            continue
        if error is None:
            p.done.set_result(None)
        else:
            p.done.set_exception(error)


class GroupCommit:
    """Audit entries (each with rows saved alongside) from many callers, appended in few transactions.

    A caller submits its entry (:meth:`submit`) and waits on the future it gets back; one writer thread
    takes every entry waiting (up to ``max_batch``), chains them in arrival order, inserts their rows and
    entries in one transaction and then resolves their futures (with the error, if the transaction
    failed: then none of them was saved). While one transaction commits the next batch gathers, so
    under load each commit carries many requests, and alone a request waits for its own commit only.
    """

    def __init__(self, store: Store, max_batch: int = 256) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, values: dict[str, Any], rows: Sequence[tuple[Table, dict[str, Any]]] = ()) -> Future:
        """Queue an entry (from :func:`entry_values`) and the rows saved with it; the future resolves on commit."""
        pending = _Pending(values, rows)
        self._put(pending)
        return pending.done

    async def append(self, values: dict[str, Any], rows: Sequence[tuple[Table, dict[str, Any]]] = ()) -> None:
        """:meth:`submit` for a coroutine: returns once committed (the event loop is woken once per batch)."""
        loop = asyncio.get_running_loop()
        pending = _Pending(values, rows, loop.create_future(), loop)
        self._put(pending)
        await pending.done

    def _put(self, pending: _Pending) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="audit-group-commit", daemon=True)
                    self._thread.start()
        self._queue.put(pending)

    def close(self) -> None:
        """Write what is queued, then stop the writer."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            error = None
            try:
                self._append(batch)
            except Exception as exc:  # the callers report it; the writer carries on with the next batch
                error = exc
            by_loop: dict[asyncio.AbstractEventLoop | None, list[_Pending]] = {}
            for p in batch:
                by_loop.setdefault(p.loop, []).append(p)
            for loop, waiting in by_loop.items():
                if loop is None:
                    _settle(waiting, error)
                    continue
                with suppress(RuntimeError):  # the loop has closed: nobody waits for these any more
                    loop.call_soon_threadsafe(_settle, waiting, error)

    def _append(self, batch: list[_Pending]) -> None:
        with self.store.audit_lock, self.store.engine.begin() as conn:
            prev = _last_hash(self.store, conn)
            rows: dict[Table, list[dict[str, Any]]] = {}
            entries = []
            for p in batch:
                for table, row in p.rows:
                    rows.setdefault(table, []).append(row)
                digest = entry_hash(prev, p.values)
                entries.append({**p.values, "prev_hash": prev, "hash": digest})
                prev = digest
            for table, values in rows.items():
                conn.execute(_inserts(table), values)
            conn.execute(_inserts(_AUDIT), entries)


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
