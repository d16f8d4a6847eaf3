"""The audit log: append-only and hash-chained, so an edited or deleted entry is detected.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields (canonical JSON).
Changing a field breaks that entry's hash; deleting an entry breaks the next entry's link. The
database also refuses UPDATE and DELETE on the table (a trigger), so tampering needs owner rights.

:func:`record` appends one entry in a transaction of its own. :class:`GroupCommit` serves callers
that arrive many at a time (the scoring API): it appends the entries of every caller waiting, and the
rows each one saves with its entry, in one transaction, and each caller is answered only once that
transaction has committed. Both take the same locks, so the chain stays one chain whoever appends.

An entry's filter is stored as JSON and is always valid JSON: a value too large for the log is
summarised structurally (a long list becomes its count and first items), never cut. Readers take each
row as the database holds it, so a row that cannot be read (a time that is not a time, a filter that is
not JSON) is shown as unreadable and reported by :func:`verify`, never fails the reader.

The chain is unkeyed: whoever can write the table can remove the newest entries, or change an entry
and recompute every hash after it, and the chain alone still verifies. An :class:`Anchor` (the head
hash and count, written somewhere the log's writers cannot change) closes that gap: :func:`verify`
with an anchor checks that the anchored head is still in the chain, unchanged.
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
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
    text,
    type_coerce,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from clearsight.core.errors import UserError
from clearsight.core.files import write_json_atomic
from clearsight.core.store.db import Store
from clearsight.core.store.models import AuditEntry, utcnow

GENESIS = "0" * 64
FIELDS = ("at", "actor", "role", "action", "resource", "filter", "rows", "client", "outcome")
#: An entry's filter, as stored JSON, is at most this long (larger values are summarised, see :func:`filter_json`).
MAX_FILTER_CHARS = 4000
#: (items a list or object keeps whole, items shown of a longer one, characters a string keeps), tried in turn.
_SUMMARY_LEVELS = ((50, 20, 500), (10, 5, 100), (3, 2, 24))
_MAX_DEPTH = 8


def _summarise(value: Any, keep: int, show: int, chars: int, depth: int = 0) -> Any:
    """``value`` with every long list, object and string replaced by a small description of it."""
    if depth > _MAX_DEPTH:
        return {"nested": "deeper than the log keeps"}
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        def key(k: Any) -> str:
            k = str(k)
            return k if len(k) <= chars else f"{k[:chars]}... ({len(k)} characters)"

        kept = {key(k): _summarise(v, keep, show, chars, depth + 1) for k, v in list(value.items())[: max(keep, show)]}
        if len(value) <= keep:
            return kept
        return {"keys": len(value), "first": dict(list(kept.items())[:show])}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        if len(items) <= keep:
            return [_summarise(v, keep, show, chars, depth + 1) for v in items]
        return {"count": len(items), "first": [_summarise(v, keep, show, chars, depth + 1) for v in items[:show]]}
    text_value = value if isinstance(value, str) else str(value)
    if len(text_value) <= chars:
        return text_value
    return {"length": len(text_value), "first": text_value[:chars]}


def filter_json(value: dict[str, Any] | None) -> str:
    """``value`` as the JSON an entry stores: whole when it fits :data:`MAX_FILTER_CHARS`, else summarised
    structurally (always valid JSON; the summary, like any filter, is part of the entry's hash)."""
    whole = json.dumps(value or {}, sort_keys=True, default=str)
    if len(whole) <= MAX_FILTER_CHARS:
        return whole
    for level in _SUMMARY_LEVELS:
        summary = json.dumps(_summarise(value or {}, *level), sort_keys=True, default=str)
        if len(summary) <= MAX_FILTER_CHARS:
            return summary
    digest = hashlib.sha256(whole.encode()).hexdigest()
    return json.dumps({"summarised": {"characters": len(whole), "sha256": digest}}, sort_keys=True)


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
    """An entry's fields, stamped now: texts cut to their column widths, the filter as bounded JSON."""
    return {
        "at": utcnow(),
        "actor": actor[:64],
        "role": role[:16],
        "action": action[:64],
        "resource": resource[:255],
        "filter": filter_json(filter),
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


#: Every column as the database holds it: the time is read as text where the database keeps text
#: (SQLite), so a row whose time is not a time is still read, and reported, rather than failing the read.
_RAW = select(
    _AUDIT.c.id, type_coerce(_AUDIT.c.at, String).label("at"),
    *(_AUDIT.c[name] for name in FIELDS[1:]), _AUDIT.c.prev_hash, _AUDIT.c.hash,
)


@dataclass
class Entry:
    """One audit entry as stored; :attr:`unreadable` names the fields that could not be read."""

    id: int
    at: Any
    actor: Any
    role: Any
    action: Any
    resource: Any
    filter: Any
    rows: Any
    client: Any
    outcome: Any
    prev_hash: Any
    hash: Any
    time: dt.datetime | None = None
    filter_value: Any = None
    unreadable: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, row: Any) -> Entry:
        e = cls(**row._mapping)
        if isinstance(e.at, dt.datetime):
            e.time = e.at
        else:
            try:
                e.time = dt.datetime.fromisoformat(e.at)
            except (TypeError, ValueError):
                e.unreadable["at"] = f"{_shown(e.at)} is not a time"
        try:
            e.filter_value = json.loads(e.filter)
        except (TypeError, ValueError):
            e.unreadable["filter"] = "not valid JSON"
        if not isinstance(e.rows, int) or isinstance(e.rows, bool):
            e.unreadable["rows"] = f"{_shown(e.rows)} is not a number"
        for name in ("actor", "role", "action", "resource", "client", "outcome", "prev_hash", "hash"):
            if not isinstance(getattr(e, name), str):
                e.unreadable[name] = f"{_shown(getattr(e, name))} is not text"
        return e

    def values(self) -> dict[str, Any]:
        """The hashed fields (the time as a datetime; only meaningful when ``at`` is readable)."""
        return {**{name: getattr(self, name) for name in FIELDS}, "at": self.time}


def _shown(value: Any, limit: int = 40) -> str:
    text_value = repr(value)
    return text_value if len(text_value) <= limit else text_value[:limit] + "..."


def _plain(value: Any) -> Any:
    """A stored value as JSON can carry it (what a reader shows of an unreadable field)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


@dataclass
class Verification:
    entries: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Anchor:
    """The chain's head at one moment, to be kept outside the app store (a file, another database)."""

    head_hash: str
    entries: int
    last_id: int
    anchored_at: str

    def as_dict(self) -> dict[str, Any]:
        return {"head_hash": self.head_hash, "entries": self.entries, "last_id": self.last_id, "anchored_at": self.anchored_at}


def verify(store: Store, anchor: Anchor | None = None) -> Verification:
    """Walk the chain; name each entry whose content or link does not match, or that cannot be read
    (counted as tampered). With ``anchor``: also name a chain whose anchored head was removed or rewritten."""
    problems: list[str] = []
    prev = GENESIS
    prev_id = 0
    n = 0
    anchored_seen = anchor is None or anchor.last_id == 0
    with store.engine.connect() as conn:
        for row in conn.execution_options(yield_per=1000).execute(_RAW.order_by(_AUDIT.c.id)):
            e = Entry.of(row)
            n += 1
            if e.unreadable:
                why = "; ".join(f"{k}: {v}" for k, v in e.unreadable.items())
                problems.append(f"entry {e.id}: unreadable ({why}); counted as tampered")
            if e.prev_hash != prev:
                problems.append(f"entry {e.id}: its link does not match entry {prev_id} (an entry before it was removed or changed)")
            if not e.unreadable and entry_hash(e.prev_hash, e.values()) != e.hash:
                problems.append(f"entry {e.id}: its content does not match its hash (it was edited)")
            if anchor is not None and e.id == anchor.last_id:
                anchored_seen = True
                if e.hash != anchor.head_hash or n != anchor.entries:
                    problems.append(
                        f"entry {e.id}: it differs from the anchor of {anchor.anchored_at} (hash {e.hash[:12]}... "
                        f"as entry {n}, anchored {anchor.head_hash[:12]}... as entry {anchor.entries}): the chain was rewritten"
                    )
            prev, prev_id = e.hash, e.id
    if not anchored_seen:
        if prev_id < anchor.last_id:
            problems.append(
                f"the newest entries were removed: the anchor of {anchor.anchored_at} has entry {anchor.last_id} as the head "
                f"of {anchor.entries} entries, and the log ends at entry {prev_id} with {n}"
            )
        else:
            problems.append(
                f"entry {anchor.last_id}, the head of the anchor of {anchor.anchored_at}, is missing: the chain was rewritten"
            )
    return Verification(n, problems)


def entries(store: Store, limit: int = 100, offset: int = 0, actor: str | None = None) -> list[Entry]:
    """The newest entries (those of ``actor``, if given), each read as stored."""
    q = _RAW.order_by(_AUDIT.c.id.desc())
    if actor:
        q = q.where(_AUDIT.c.actor == actor)
    with store.engine.connect() as conn:
        return [Entry.of(row) for row in conn.execute(q.limit(limit).offset(offset))]


#: Columns the audit log can be sorted by (the entry number is the order they were written in).
SORTABLE = ("id", "at", "actor", "action", "outcome")


def search(
    store: Store, *, actor: str | None = None, action: str | None = None, outcome: str | None = None,
    since: dt.date | None = None, until: dt.date | None = None, sort: str = "id", descending: bool = True,
    limit: int = 100, offset: int = 0,
) -> tuple[list[Entry], int]:
    """Entries of ``actor`` whose action starts with ``action`` (``inspections`` finds every
    ``inspections.*``), with ``outcome``, written from the day ``since`` to the day ``until``
    (inclusive): the window asked for, in the order asked for, and how many match in all."""
    if sort not in SORTABLE:
        raise ValueError(f"unknown sort column {sort!r}; one of {', '.join(SORTABLE)}")
    conditions = []
    if actor:
        conditions.append(_AUDIT.c.actor == actor)
    if action:
        conditions.append(_AUDIT.c.action.startswith(action, autoescape=True))
    if outcome:
        conditions.append(_AUDIT.c.outcome == outcome)
    if since:
        conditions.append(_AUDIT.c.at >= dt.datetime.combine(since, dt.time()))
    if until:
        conditions.append(_AUDIT.c.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    column = _AUDIT.c[sort]
    order = [column.desc() if descending else column.asc()]
    if sort != "id":
        order.append(_AUDIT.c.id.desc() if descending else _AUDIT.c.id.asc())
    query = _RAW.where(*conditions).order_by(*order).limit(limit).offset(offset)
    counted = select(func.count()).select_from(_AUDIT).where(*conditions)
    with store.engine.connect() as conn:
        found = [Entry.of(row) for row in conn.execute(query)]
        total = conn.execute(counted).scalar_one()
    return found, int(total)


def as_dict(e: Entry) -> dict[str, Any]:
    """An entry for people and exports; an unreadable field is shown as stored and named in ``unreadable``."""
    out = {
        "id": e.id,
        "at": e.time.isoformat(timespec="seconds") if e.time is not None else _plain(e.at),
        "actor": _plain(e.actor),
        "role": _plain(e.role),
        "action": _plain(e.action),
        "resource": _plain(e.resource),
        "filter": e.filter_value if "filter" not in e.unreadable else _plain(e.filter),
        "rows": _plain(e.rows),
        "client": _plain(e.client),
        "outcome": _plain(e.outcome),
        "hash": _plain(e.hash),
    }
    if e.unreadable:
        out["unreadable"] = list(e.unreadable)
    return out


# --- the anchor -------------------------------------------------------------------------------------

_ANCHORS_METADATA = MetaData()
#: The table an anchor store keeps (created on first use): one row per anchor, never updated.
ANCHORS = Table(
    "audit_anchors", _ANCHORS_METADATA,
    Column("id", Integer, primary_key=True),
    Column("anchored_at", DateTime, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("entries", Integer, nullable=False),
    Column("last_id", Integer, nullable=False),
)


def anchor(store: Store) -> Anchor:
    """The chain's head now: its last entry's hash and id, and how many entries lead to it."""
    with store.engine.connect() as conn:
        last = conn.execute(select(_AUDIT.c.id, _AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)).first()
        # Counted up to that entry: entries appended meanwhile (ids only grow) do not change it.
        count = conn.execute(select(func.count()).where(_AUDIT.c.id <= (last.id if last else 0))).scalar_one()
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if last is None:
        return Anchor(GENESIS, 0, 0, now)
    return Anchor(last.hash, int(count), int(last.id), now)


def _is_url(target: str) -> bool:
    return "://" in target


def _why(exc: Exception) -> str:
    """The driver's first line (never the statement or the URL), or the error's kind."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {first}" if first and not isinstance(exc, ArgumentError) else type(exc).__name__


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the anchor store URL"


def _naive_utc(text_value: str) -> dt.datetime:
    """A time written as ISO 8601, as the naive UTC datetime the databases keep."""
    t = dt.datetime.fromisoformat(text_value)
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t


def write_anchor(a: Anchor, target: str | Path) -> str:
    """Keep ``a`` at ``target``: a JSON file (replaced whole), or a database URL (one row appended to its
    ``audit_anchors`` table). Returns where, for messages (a URL without its password)."""
    target = str(target)
    if not _is_url(target):
        try:
            write_json_atomic(Path(target), a.as_dict(), indent=2)
        except OSError as exc:
            raise UserError(f"{target}: cannot write the anchor ({exc.strerror or exc})") from None
        return target
    try:
        engine = create_engine(target)
        try:
            _ANCHORS_METADATA.create_all(engine, checkfirst=True)
            with engine.begin() as conn:
                conn.execute(insert(ANCHORS), {
                    "anchored_at": _naive_utc(a.anchored_at), "head_hash": a.head_hash,
                    "entries": a.entries, "last_id": a.last_id,
                })
        finally:
            engine.dispose()
    except (SQLAlchemyError, ImportError) as exc:
        raise UserError(f"{_safe(target)}: cannot write the anchor ({_why(exc)})") from None
    return _safe(target)


def read_anchor(source: str | Path) -> Anchor:
    """The anchor kept at ``source`` (a JSON file, or the newest row of a database URL's anchor table);
    one UserError naming ``source`` when it cannot be read."""
    source = str(source)
    if _is_url(source):
        try:
            engine = create_engine(source)
            try:
                with engine.connect() as conn:
                    row = conn.execute(select(ANCHORS).order_by(ANCHORS.c.id.desc()).limit(1)).first()
            finally:
                engine.dispose()
        except (SQLAlchemyError, ImportError) as exc:
            raise UserError(f"{_safe(source)}: cannot read an anchor ({_why(exc)})") from None
        if row is None:
            raise UserError(f"{_safe(source)}: holds no anchor yet")
        data: Any = {**row._mapping, "anchored_at": row.anchored_at.replace(tzinfo=dt.UTC).isoformat(timespec="seconds")}
    else:
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        except OSError as exc:
            raise UserError(f"{source}: cannot read the anchor ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise UserError(f"{source}: not an anchor file (not valid JSON: {exc})") from None
    return _checked_anchor(data, source if not _is_url(source) else _safe(source))


def _checked_anchor(data: Any, where: str) -> Anchor:
    if not isinstance(data, dict):
        raise UserError(f"{where}: not an anchor (expected an object with head_hash, entries, last_id, anchored_at)")
    head, count, last, at = (data.get(k) for k in ("head_hash", "entries", "last_id", "anchored_at"))
    if not (isinstance(head, str) and len(head) == 64 and all(c in "0123456789abcdef" for c in head)):
        raise UserError(f"{where}: head_hash must be 64 hexadecimal characters")
    for name, value in (("entries", count), ("last_id", last)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise UserError(f"{where}: {name} must be a whole number, 0 or more")
    try:
        _naive_utc(at)
    except (TypeError, ValueError):
        raise UserError(f"{where}: anchored_at must be a time (YYYY-MM-DDTHH:MM:SS+00:00)") from None
    return Anchor(head, count, last, at)
