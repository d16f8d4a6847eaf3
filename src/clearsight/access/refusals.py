"""Refused requests in the audit log, bounded: repeats are counted, not written one by one.

The first refusal of a kind (client address, action, reason) in a minute is written at once, with
``rows`` 1. Further ones in the same minute are counted and written as ONE entry, with ``rows`` the
count, ``filter.repeats`` set and the first few user names they named (``filter.actors``), once the
minute has closed (a background thread checks every
few seconds; :meth:`RefusalAudit.flush` and the end of the process write what is left). At most
``max_kinds`` kinds are tracked per minute; the rest of that minute's refusals are counted together
under the client ``*``. So a flood adds at most ``2 * max_kinds + 1`` entries a minute, however many
requests it sends, and a single client's flood two per reason.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, field

from clearsight.access import audit
from clearsight.core.store.db import Store

#: one refusal kind: (client, action, reason)
Kind = tuple[str, str, str]
#: user names kept per kind and minute (the accounts a guesser aimed at); the rest are counted only
MAX_ACTORS = 10


@dataclass
class _Count:
    resource: str
    method: str
    actor: str
    repeats: int = 0
    actors: set[str] = field(default_factory=set)  # named by the repeats (at most MAX_ACTORS)
    more_actors: bool = False


class RefusalAudit:
    """Counts refusals per kind and minute and writes them to the audit log (see the module's text)."""

    def __init__(self, store: Store, writer: audit.GroupCommit, max_kinds: int = 1_000, period_s: int = 60) -> None:
        self.store, self.writer = store, writer
        self.max_kinds, self.period_s = max_kinds, period_s
        self._minute = self._now_minute()
        self._counts: dict[Kind, _Count] = {}
        self._submitted: list[Future] = []
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._stop = threading.Event()
        ref = weakref.ref(self)
        atexit.register(_flush_at_exit, ref)

    def _now_minute(self) -> int:
        return int(time.time() // self.period_s)

    def note(self, *, client: str, actor: str, action: str, reason: str, resource: str, method: str = "") -> None:
        """Count one refused request (never blocks on the database)."""
        kind: Kind = (client[:64], action[:64], reason[:200])
        actor = actor[:64]
        closed: dict[Kind, _Count] = {}
        first = False
        with self._lock:
            minute = self._now_minute()
            if minute != self._minute:
                closed, self._counts, self._minute = self._counts, {}, minute
            count = self._counts.get(kind)
            if count is None and len(self._counts) >= self.max_kinds:
                kind = ("*", action[:64], "refusals from more clients than tracked per minute")
                count = self._counts.get(kind)
            if count is None:
                self._counts[kind] = _Count(resource[:255], method, actor)
                first = True
            else:
                count.repeats += 1
                if actor and len(count.actors) < MAX_ACTORS:
                    count.actors.add(actor)
                elif actor and actor not in count.actors:
                    count.more_actors = True
        if first:
            self._write(kind, _Count(resource[:255], method, actor), rows=1)
        self._write_repeats(closed)
        self._start_flusher()

    def _write(self, kind: Kind, count: _Count, rows: int) -> None:
        client, action, reason = kind
        detail: dict = {"reason": reason, "method": count.method}
        actor = count.actor
        if count.repeats:
            detail["repeats"] = rows
            detail["actors"] = sorted(count.actors) + (["…"] if count.more_actors else [])
            actor = sorted(count.actors)[0] if len(count.actors) == 1 and not count.more_actors else ""
        values = audit.entry_values(
            actor=actor, role="", action=action, resource=count.resource, filter=detail, rows=rows, client=client,
            outcome="refused",
        )
        future = self.writer.submit(values)
        with self._lock:
            self._submitted = [f for f in self._submitted if not f.done()]
            self._submitted.append(future)

    def _write_repeats(self, counts: dict[Kind, _Count]) -> None:
        for kind, count in counts.items():
            if count.repeats:
                self._write(kind, count, rows=count.repeats)

    def flush(self, *, all_minutes: bool = True) -> None:
        """Write the counts of closed minutes (and of the current one with ``all_minutes``), then wait
        until every entry handed to the writer is committed."""
        closed: dict[Kind, _Count] = {}
        with self._lock:
            if all_minutes or self._now_minute() != self._minute:
                closed, self._counts, self._minute = self._counts, {}, self._now_minute()
        self._write_repeats(closed)
        with self._lock:
            waiting = list(self._submitted)
        for f in waiting:
            f.result(timeout=30)

    def _start_flusher(self) -> None:
        if self._flusher is not None:
            return
        with self._lock:
            if self._flusher is not None:
                return
            self._flusher = threading.Thread(target=self._run, name="refusal-audit", daemon=True)
            self._flusher.start()

    def _run(self) -> None:
        while not self._stop.wait(5):
            try:
                self.flush(all_minutes=False)
            except Exception:  # the writer reports its own failures; try again at the next turn
                continue

    def close(self) -> None:
        self._stop.set()
        self.flush()


def _flush_at_exit(ref: weakref.ref[RefusalAudit]) -> None:
    """Write the counts still pending when the process ends (the store may be gone already: then
    there is nowhere to write them)."""
    refusals = ref()
    if refusals is not None:
        with suppress(Exception):
            refusals.flush()
