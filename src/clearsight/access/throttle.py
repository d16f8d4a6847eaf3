"""Sign-in throttling with bounded memory, and the cap on password checks running at once.

An attempt is counted *before* its password is checked (:meth:`LoginThrottle.begin` reserves it), so
guesses sent all at once cannot each see "no failures yet". A refused attempt stores nothing, and the
table holds at most ``max_entries`` keys (least recently failed forgotten first). Keys are short and
of fixed size (see :func:`throttle_keys`), so the table's memory has a fixed ceiling whatever callers send.

Forgetting the oldest entry could in principle lift a lock early, but filling the table needs
``max_entries`` failed checks within the window, and password checks are capped
(:class:`CheckLimiter`) to a few at a time of tens of milliseconds each: with the defaults
(100,000 entries, 4 checks) that takes longer than the 5-minute window.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field


def throttle_keys(client: str, username: str) -> tuple[str, str]:
    """The two keys an attempt counts against: its client address and its user name (hashed, so
    every key has the same small size)."""
    digest = hashlib.blake2b(username.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    return f"c:{client[:64]}", f"u:{digest}"


@dataclass
class _Entry:
    fails: deque[float]
    pending: int = 0  # attempts being checked right now


@dataclass
class LoginThrottle:
    """At most ``limit`` failed (or in-flight) sign-ins per key in a sliding ``window_s``."""

    limit: int
    window_s: int
    max_entries: int = 100_000
    _entries: OrderedDict[str, _Entry] = field(default_factory=OrderedDict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __len__(self) -> int:
        return len(self._entries)

    def _used(self, entry: _Entry, now: float) -> int:
        while entry.fails and entry.fails[0] <= now - self.window_s:
            entry.fails.popleft()
        return len(entry.fails) + entry.pending

    def begin(self, *keys: str) -> int:
        """Reserve an attempt on every key and return 0, or return the seconds to wait (storing nothing)
        when a key has used up its attempts. Every reservation ends in :meth:`failed` or :meth:`succeeded`."""
        now = time.monotonic()
        with self._lock:
            wait = 0
            for key in keys:
                entry = self._entries.get(key)
                if entry is not None and self._used(entry, now) >= self.limit:
                    oldest = entry.fails[0] if entry.fails else now - self.window_s + 1  # only in-flight ones
                    wait = max(wait, int(oldest + self.window_s - now) + 1)
            if wait:
                return wait
            for key in keys:
                entry = self._entries.get(key)
                if entry is None:
                    entry = self._entries[key] = _Entry(deque(maxlen=max(self.limit, 1)))
                self._entries.move_to_end(key)
                entry.pending += 1
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            return 0

    def failed(self, *keys: str) -> None:
        """The reserved attempt was refused: it counts for the window."""
        self._end(keys, failed=True)

    def succeeded(self, *keys: str) -> None:
        """The reserved attempt succeeded (or was never checked): it no longer counts."""
        self._end(keys, failed=False)

    def _end(self, keys: tuple[str, ...], failed: bool) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is None:  # forgotten meanwhile (the table was full)
                    continue
                entry.pending = max(entry.pending - 1, 0)
                if failed:
                    entry.fails.append(now)
                elif not entry.fails and not entry.pending:
                    del self._entries[key]


class CheckLimiter:
    """At most ``slots`` password checks at once (argon2 takes 64 MiB and tens of milliseconds each):
    :meth:`try_acquire` answers at once instead of queueing, so a burst costs a refusal, not memory."""

    def __init__(self, slots: int) -> None:
        self._slots = threading.BoundedSemaphore(max(slots, 1))

    def try_acquire(self) -> bool:
        return self._slots.acquire(blocking=False)

    def release(self) -> None:
        self._slots.release()
