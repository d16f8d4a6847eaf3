"""Real-time scoring: the narrow seam between the API and the selectivity room.

:func:`score_declaration` takes the validated payload as canonical item rows and returns one result
per item (with the model's version). What a result is — the office checked, the items scored, their
lanes decided — is the selectivity room's
:func:`~clearsight.selectivity.realtime.decide_declarations`; :class:`ScoringService` keeps what a
server adds: the promoted model and the real-time decider loaded once (reloaded when the registry,
a batch decision or a rule changes), the declarations of requests that arrive together scored in one
call, :class:`NoModel` when there is no model (the API says 503 rather than invent a score), and now
and then the real-time decisions committed since moved into the warehouse when it is free.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pyarrow as pa

from clearsight.core.settings import Settings
from clearsight.core.store import Store
from clearsight.core.store.models import utcnow
from clearsight.core.warehouse import Warehouse, WarehouseBusy
from clearsight.core.workspace import Workspace
from clearsight.portal.schemas import DeclarationIn
from clearsight.selectivity.decisions import move_decisions
from clearsight.selectivity.realtime import ItemDecision, decide_declarations

NO_MODEL = "no risk model has been promoted; run clearsight risk train"
#: Seconds between checks for a new batch decision or a changed rule (the lanes' inputs).
DECIDER_CHECK_S = 1.0
#: While a command holds the warehouse, a model or decider already loaded keeps serving; its reload is
#: tried again (without waiting) at most this often.
RELOAD_RETRY_S = 2.0
#: The real-time decisions committed meanwhile are moved into the warehouse's ``selections`` (on a
#: thread of their own, only when the warehouse is free) once scoring has paused this long, so a move
#: never competes with a burst of requests; a reader (indicators, ``select``, the declaration page)
#: moves what is waiting before it reads, so nothing is missed meanwhile...
MOVE_IDLE_S = 1.0
#: ...or, under load that never pauses, at the latest this often.
MOVE_EVERY_S = 60.0
#: Rows per batch of a move, with a pause between batches: reading a batch from the app store is
#: Python work that holds the interpreter lock.
MOVE_BATCH = 500
MOVE_PAUSE_S = 0.01

log = logging.getLogger("clearsight.portal")
#: Most items the API scores in one call (well under the scorer's limit on items given reasons).
GROUP_ITEMS = 5_000


class NoModel(Exception):
    """No model is promoted (or the promoted one cannot be loaded)."""



Columns = dict[str, list]


def canonical_columns(decl: DeclarationIn) -> Columns:
    """One canonical declarations row per item, as columns of Python values: header fields repeated
    on each item; a field given for any item is a column (None for the items without it). Without
    ``lodged_at`` the declaration is lodged now (to the second)."""
    header = decl.model_dump(exclude={"items"}, exclude_none=True)
    header.setdefault("lodged_at", utcnow().replace(microsecond=0))
    items = [item.model_dump(exclude_none=True) for item in decl.items]
    columns = {name: [value] * len(items) for name, value in header.items()}
    for name in dict.fromkeys(k for item in items for k in item):
        columns[name] = [item.get(name) for item in items]
    return columns


def canonical_rows(decl: DeclarationIn) -> pa.Table:
    """:func:`canonical_columns` as a PyArrow table."""
    return pa.table(canonical_columns(decl))


def _stacked(parts: list[Columns]) -> pa.Table:
    """Several declarations' columns as one table (None where a declaration lacks a field)."""
    names = dict.fromkeys(name for columns in parts for name in columns)
    sizes = [len(columns["declaration_id"]) for columns in parts]
    return pa.table({
        name: [v for columns, n in zip(parts, sizes, strict=True) for v in columns.get(name, [None] * n)]
        for name in names
    })


class ScoringService:
    """The promoted risk model, loaded once and reloaded when the registry file changes."""

    def __init__(self, settings: Settings, warehouse_factory, store: Store) -> None:
        self.settings = settings
        self._warehouse = warehouse_factory  # context manager yielding the shared warehouse
        self._store = store  # the app store the rule profiles live in
        self._lock = threading.Lock()
        self._scorer = None
        self._stamp: float | None = None
        self._decider = None
        self._decider_stamp: tuple | None = None
        self._decider_checked = 0.0
        self._reload_refused = -RELOAD_RETRY_S  # when a reload last found the warehouse busy
        self._waiting: list[tuple[Columns, asyncio.Future]] = []  # API requests to score together
        self._busy = False  # a call of the API's scoring thread is running or about to
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="api-scoring")
        self._mover = ThreadPoolExecutor(1, thread_name_prefix="decision-mover")
        self._moving = False
        self._moved = time.monotonic()  # when the last move was started
        self._last_scored = 0.0
        self._move_timer: asyncio.TimerHandle | None = None
        from clearsight.risk import ModelRegistry  # LightGBM is loaded with the first model, not at start

        self._registry = ModelRegistry(Workspace(settings).models_dir).path  # checked at every call: a promotion applies at once

    def _registry_stamp(self) -> float | None:
        try:
            return os.stat(self._registry).st_mtime_ns
        except OSError:
            return None

    def needs_loading(self) -> bool:
        """Whether the next call loads a model (seconds): the registry changed, or none is loaded yet."""
        stamp = self._registry_stamp()
        return stamp is not None and (self._scorer is None or stamp != self._stamp)

    @contextmanager
    def _reload_warehouse(self, serving: object | None) -> Iterator[Warehouse]:
        """The warehouse for loading a model or decider: waited for as a request does when nothing is
        loaded yet; when ``serving`` is, not waited for, and not tried again for RELOAD_RETRY_S after
        it was found busy (the caller keeps serving on WarehouseBusy): a command holding the
        warehouse delays no request."""
        if serving is None:
            with self._warehouse() as wh:
                yield wh
            return
        if time.monotonic() - self._reload_refused < RELOAD_RETRY_S:
            raise WarehouseBusy("the warehouse was busy a moment ago", "another process")
        try:
            with self._warehouse(wait_s=0) as wh:
                yield wh
        except WarehouseBusy:
            self._reload_refused = time.monotonic()
            raise

    def scorer(self):
        stamp = self._registry_stamp()
        if stamp is None:
            raise NoModel(NO_MODEL)
        if self._scorer is not None and stamp == self._stamp:
            return self._scorer
        with self._lock:
            if self._scorer is None or stamp != self._stamp:
                from clearsight.core.errors import UserError
                from clearsight.risk.registry import ModelRegistry
                from clearsight.risk.scorer import RiskScorer

                if ModelRegistry(Workspace(self.settings).models_dir).promoted() is None:
                    raise NoModel(NO_MODEL)
                try:
                    with self._reload_warehouse(self._scorer) as wh:
                        scorer = RiskScorer.load(self.settings, warehouse=wh)
                    # A few declarations per call: OpenMP threads inside each small prediction would
                    # only oversubscribe the CPUs that serve other requests.
                    scorer.model.set_params(n_jobs=1)
                    self._scorer = scorer
                except WarehouseBusy as exc:
                    if self._scorer is None:
                        raise
                    log.warning("a new model is promoted; the loaded one serves until it loads: %s", exc)
                    return self._scorer
                except UserError as exc:
                    raise NoModel(f"{NO_MODEL} ({exc})") from None
                self._stamp = stamp
                # The model, its history and the modules loading them imported live as long as the
                # server: keep them out of the garbage collector's full passes, which walk every object
                # of the process and would stall every request for a fraction of a second.
                gc.freeze()
        return self._scorer

    def _current_stamp(self) -> tuple:
        from clearsight.selectivity.realtime import decider_stamp

        # A promotion counts too: thresholds set before any batch are quantiles of the model's scores.
        return (self._registry_stamp(), *decider_stamp(self.settings, self._store))

    def decider(self):
        """The selectivity room's real-time decider (the last batch's thresholds, the policy and the
        enabled rules), reloaded when a new batch is decided, a rule changes or a model is promoted — checked at most every
        :data:`DECIDER_CHECK_S` seconds, so a rule added now applies within a second."""
        from clearsight.core.errors import UserError
        from clearsight.selectivity.realtime import RealtimeDecider

        now = time.monotonic()
        if self._decider is not None and now - self._decider_checked < DECIDER_CHECK_S:
            return self._decider
        with self._lock:
            stamp = self._current_stamp()
            self._decider_checked = time.monotonic()
            if self._decider is None or stamp != self._decider_stamp:
                try:
                    with self._reload_warehouse(self._decider) as wh:
                        self._decider = RealtimeDecider.load(self.settings, store=self._store, warehouse=wh)
                except WarehouseBusy as exc:
                    if self._decider is None:
                        raise
                    log.warning("lanes changed; the loaded ones serve until they load: %s", exc)
                    return self._decider
                except UserError as exc:
                    raise NoModel(f"lanes cannot be decided: {exc}") from None
                self._decider_stamp = stamp
        return self._decider

    def score(self, rows: pa.Table, explain_top: int | None = None) -> list[ItemDecision]:
        """Per-item results for canonical rows: the selectivity room's
        :func:`~clearsight.selectivity.realtime.decide_declarations` with the loaded model and decider.

        Raises :class:`~clearsight.selectivity.realtime.ItemRefused` for an office no declaration of the scorer's history was lodged at
        (the offices are loaded with the model's history snapshot, not read per call)."""
        return decide_declarations(self.scorer(), self.decider, rows, explain_top=explain_top)

    async def score_together(self, columns: Columns) -> list[ItemDecision]:
        """:meth:`score` for the API's coroutines: one declaration (:func:`canonical_columns`) in.

        The declarations of the requests waiting at the same moment are scored in one call, on a
        thread of the service's own: a call's cost is mostly fixed (dozens of small vectorised steps)
        whatever its number of items, and the model's C++ code runs there without the interpreter
        lock while the event loop serves other requests. Each item gets the figures and reasons it
        gets alone (scoring is per item, and a declaration's items count only each other). While one
        call runs, the requests that arrive wait for the next.
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()
        self._waiting.append((columns, done))
        if not self._busy:
            self._busy = True
            loop.call_soon(self._start_call, loop)  # after the other requests ready now have queued theirs
        return await done

    def _start_call(self, loop: asyncio.AbstractEventLoop) -> None:
        waiting = [(columns, done) for columns, done in self._waiting if not done.done()]  # gone: not scored
        self._waiting = []
        if not waiting:
            self._busy = False
            return
        groups = _groups(waiting)
        work = loop.run_in_executor(self._thread, self._score_groups, [[c for c, _ in g] for g in groups])
        work.add_done_callback(lambda finished: self._end_call(loop, groups, finished))

    def _score_groups(self, groups: list[list[Columns]]) -> list[list[list[ItemDecision] | Exception]]:
        return [self._score_group(group) for group in groups]

    def _score_group(self, group: list[Columns]) -> list[list[ItemDecision] | Exception]:
        """Each declaration's results (or the error that refused it)."""
        try:
            results = self.score(_stacked(group))
        except Exception as exc:
            if len(group) == 1:
                return [exc]
            return [self._score_group([one])[0] for one in group]  # alone, so only a refused one fails
        out, start = [], 0
        for columns in group:
            n = len(columns["declaration_id"])
            out.append(results[start : start + n])
            start += n
        return out

    def _end_call(self, loop: asyncio.AbstractEventLoop, groups: list, finished: asyncio.Future) -> None:
        error = finished.exception()
        outcomes = finished.result() if error is None else [[error] * len(group) for group in groups]
        for group, results in zip(groups, outcomes, strict=True):
            for (_, done), outcome in zip(group, results, strict=True):
                if done.done():
                    continue
                if isinstance(outcome, BaseException):
                    done.set_exception(outcome)
                else:
                    done.set_result(outcome)
        if self._waiting:
            self._start_call(loop)
        else:
            self._busy = False
        self._last_scored = time.monotonic()
        if self._move_timer is None:
            self._move_timer = loop.call_later(MOVE_IDLE_S, self._move_when_idle, loop)

    def _move_when_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        """Move the decisions committed since the last move once scoring has paused (or, under load
        that never pauses, once ``MOVE_EVERY_S`` has passed); otherwise look again when it may have."""
        self._move_timer = None
        now = time.monotonic()
        idle = now - self._last_scored
        if self._moving or (idle < MOVE_IDLE_S and now - self._moved < MOVE_EVERY_S):
            self._move_timer = loop.call_later(max(MOVE_IDLE_S - idle, 0.1), self._move_when_idle, loop)
            return
        self._moving, self._moved = True, now
        self._mover.submit(self.move_decisions)

    def move_decisions(self) -> int:
        """The app store's real-time decisions into the warehouse's ``selections``
        (:func:`clearsight.selectivity.decisions.move_decisions`), if the warehouse is free now: a
        command holding it delays nothing, the next move (or reader) takes them. Rows moved."""
        try:
            with self._warehouse(wait_s=0) as wh:
                return move_decisions(self._store, wh, batch=MOVE_BATCH, pause_s=MOVE_PAUSE_S)
        except WarehouseBusy:
            return 0
        except Exception:  # the decisions stay in the outbox for the next move
            log.exception("real-time decisions could not be moved into the warehouse")
            return 0
        finally:
            self._moving = False


def _groups(waiting: list[tuple[Columns, asyncio.Future]]) -> list[list[tuple[Columns, asyncio.Future]]]:
    """Waiting declarations in calls of at most ``GROUP_ITEMS`` items. Two requests for the same
    declaration go to separate calls: in one, their items would count as one declaration's."""
    groups = []
    while waiting:
        group, later, seen, items = [], [], set(), 0
        for columns, done in waiting:
            ids, n = set(columns["declaration_id"]), len(columns["declaration_id"])
            if ids & seen or (group and items + n > GROUP_ITEMS):
                later.append((columns, done))
                continue
            group.append((columns, done))
            seen |= ids
            items += n
        groups.append(group)
        waiting = later
    return groups


async def score_declaration(service: ScoringService, decl: DeclarationIn) -> list[ItemDecision]:
    """The seam the API calls: validated payload in, one result per item out."""
    return await service.score_together(canonical_columns(decl))
