"""Count a file's records without the reader that loads it.

The count is the proof that ingestion lost nothing: DuckDB's parallel CSV reader splits a file at
buffer boundaries and must guess where a record starts, so the rows it returns are compared with
a count made here, from the bytes, by other means. A CSV record ends at a newline outside quotes;
the counter finds newlines and quotes with numpy, chunk by chunk, and takes the parity of the
quotes before each newline. Parity is exact when every quote opens or closes a quoted field (the
CSV standard); a file with a quote elsewhere (``2" pipe``, a quote after a space) is counted
again by Python's csv module, which reads such quotes as text the way DuckDB does.

Empty lines hold no record (DuckDB and the csv module both skip them). A record longer than
``MAX_RECORD_BYTES`` stops the count: such a file is refused, not read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import numpy as np

#: The longest record (header included) clearsight reads: DuckDB's own default line limit.
MAX_RECORD_BYTES = 2 * 1024 * 1024

QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")


class RecordTooLong(Exception):
    """A record longer than MAX_RECORD_BYTES; ``record`` is its 1-based number, header included."""

    def __init__(self, record: int, length: int) -> None:
        super().__init__(record, length)
        self.record, self.length = record, length


class CsvRecordCounter:
    """Fed a CSV file's (decoded-width) code units in order, counts its non-empty records.

    ``wide`` is True for UTF-16 (16-bit code units, ``byteorder`` "<" or ">"): a newline or a
    quote is then one unit, never part of another character, as in UTF-8 and Latin-1 bytes.
    ``valid`` turns False when a quote sits where parity cannot read it (see the module doc)."""

    def __init__(self, delimiter: str, wide: bool = False, byteorder: str = "<") -> None:
        self.dtype = np.dtype(f"{byteorder}u2") if wide else np.dtype("u1")
        self._delimiter = ord(delimiter)
        self._prev_border = 1  # the start of the file is a border
        self.unit = self.dtype.itemsize
        self.records = 0
        self.valid = True
        self.longest = 0
        self._inside = 0  # 1 when the units seen so far end inside a quoted field
        self._offset = 0  # units seen so far
        self._last_end = -1  # position of the last record-ending newline
        self._prev = -1  # the last unit of the previous chunk (-1: start of file)
        self._pending_close = False  # the previous chunk ended on a closing quote
        self._pending_return = False  # ... or on a CR outside quotes (its LF must come next)
        self._newline: int | None = None
        self._bom_checked = False

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        units = np.frombuffer(chunk, dtype=self.dtype)
        if not self._bom_checked:
            self._bom_checked = True
            bom = 1 if self.unit == 2 else 3
            if (self.unit == 2 and units[:1].tolist() == [0xFEFF]) or chunk[:3] == b"\xef\xbb\xbf":
                units = units[bom:]
        if self._newline is None:  # a file with CR but no LF in its first chunk ends lines with CR
            self._newline = CR if (units == CR).any() and not (units == LF).any() else LF
        if len(units):
            self._scan(units)

    def _scan(self, units: np.ndarray) -> None:
        # Every test below runs on bit masks packed 64 units to a word: far fewer operations than
        # on one boolean per unit. Bit i of a word array stands for unit i of the chunk.
        n = len(units)
        last = _bit(n - 1)
        quote = _pack(units == QUOTE)
        newlines = np.flatnonzero(units == self._newline)  # few: a list is cheaper than bits here
        cr, lf = _pack(units == CR), _pack(units == LF)
        border = quote | cr | lf | _pack(units == self._delimiter)
        inside = _prefix_parity(quote, self._inside)  # after each unit: within a quoted field?
        # A quote after which we are inside opened a field: the unit before it must be a border
        # (or the other quote of a doubled quote). One that closed a field is followed by a border.
        opened, closed = quote & inside, quote & ~inside
        bad = _any(opened & ~_shift_up(border, self._prev_border))
        after_border = _shift_down(border)
        bad |= _any(closed & ~after_border & ~last)
        if self._pending_close and not border[0] & 1:
            bad = True
        ends = newlines[~_bits_at(inside, newlines)]
        if self._newline == LF:  # a CR outside quotes must be followed by LF (CRLF line ends)
            free_return = cr & ~inside
            bad |= _any(free_return & ~_shift_down(lf) & ~last)
            if self._pending_return and not lf[0] & 1:
                bad = True
            self._pending_return = _get(free_return, n - 1)
        if bad:
            self.valid = False
        self._pending_close = _get(closed, n - 1)
        self._inside = int(_get(inside, n - 1))
        self._prev_border = int(_get(border, n - 1))
        if len(ends):
            positions = ends + self._offset
            lengths = np.diff(positions, prepend=self._last_end)
            before_end = units[np.maximum(ends - 1, 0)]
            if ends[0] == 0:
                before_end[0] = self._prev
            empty = (lengths == 1) | ((lengths == 2) & (before_end == CR))
            longest = int(lengths.max()) * self.unit
            if longest > MAX_RECORD_BYTES:
                over = int(np.argmax(lengths * self.unit > MAX_RECORD_BYTES))
                raise RecordTooLong(self.records + int(np.count_nonzero(~empty[:over])) + 1, longest)
            self.records += int(len(ends) - np.count_nonzero(empty))
            self.longest = max(self.longest, longest)
            self._last_end = int(positions[-1])
        self._offset += n
        self._prev = int(units[-1])
        if (self._offset - self._last_end - 1) * self.unit > MAX_RECORD_BYTES:
            raise RecordTooLong(self.records + 1, (self._offset - self._last_end - 1) * self.unit)

    def result(self) -> int:
        """Non-empty records, header included. Check ``valid`` first."""
        self._pending_close = False  # the end of the file closes a field too
        if self._pending_return:
            self.valid = False  # a CR ends the file: the csv module decides
        if self._inside:
            self.valid = False  # a quote left open: the csv module decides what the rest is
        tail = self._offset - self._last_end - 1
        return self.records + (1 if tail > 1 or (tail == 1 and self._prev != CR) else 0)


WORD = np.dtype("<u8")
ONE = np.uint64(1)


def _pack(mask: np.ndarray) -> np.ndarray:
    """A boolean array as bits, 64 to a little-endian word (padded with zeros)."""
    packed = np.packbits(mask, bitorder="little")
    words = np.zeros((len(packed) + 7) // 8, dtype=WORD)
    words.view(np.uint8)[: len(packed)] = packed
    return words


def _bit(i: int) -> np.ndarray:
    """Words enough to hold bit ``i``, with only bit ``i`` set."""
    words = np.zeros(i // 64 + 1, dtype=WORD)
    words[i // 64] = ONE << np.uint64(i % 64)
    return words


def _get(words: np.ndarray, i: int) -> bool:
    return bool((words[i // 64] >> np.uint64(i % 64)) & ONE)


def _any(words: np.ndarray) -> bool:
    return bool(words.any())


def _shift_up(words: np.ndarray, first: int) -> np.ndarray:
    """Bit i takes bit i - 1; bit 0 takes ``first``."""
    carry = np.empty_like(words)
    carry[0] = np.uint64(first)
    carry[1:] = words[:-1] >> np.uint64(63)
    return (words << ONE) | carry


def _shift_down(words: np.ndarray) -> np.ndarray:
    """Bit i takes bit i + 1 (the last bit takes 0)."""
    carry = np.zeros_like(words)
    carry[:-1] = words[1:] << np.uint64(63)
    return (words >> ONE) | carry


def _bits_at(words: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The bits at ``positions``, as booleans."""
    return ((words[positions >> 6] >> (positions & 63).astype(WORD)) & ONE).astype(bool)


def _prefix_parity(flags: np.ndarray, carry: int) -> np.ndarray:
    """Words whose bit i is the parity of the set bits of ``flags`` up to and including bit i,
    plus ``carry``: six shifts and XORs within each word, then the words' parities carried along."""
    words = flags.copy()
    for shift in (1, 2, 4, 8, 16, 32):
        words ^= words << np.uint64(shift)
    totals = (words >> np.uint64(63)).astype(np.uint8)
    before = np.bitwise_xor.accumulate(totals) ^ totals ^ np.uint8(carry)  # parity before each word
    words ^= before.astype(WORD) * np.uint64(0xFFFFFFFFFFFFFFFF)
    return words


def count_csv_records(text: Iterable[str], delimiter: str) -> int:
    """Non-empty records, header included, as Python's csv module reads them (the slow, exact way
    for a file whose quotes parity cannot read)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(MAX_RECORD_BYTES)
    try:
        reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
        return sum(1 for row in reader if row)
    except csv.Error as exc:  # a field beyond the limit
        raise RecordTooLong(reader.line_num, MAX_RECORD_BYTES + 1) from exc
    finally:
        csv.field_size_limit(previous)


class LineCounter:
    """Counts the lines of a JSON lines file that hold something other than spaces (DuckDB skips
    empty lines and the reader quarantines a blank one that is not empty, as it is not an object)."""

    def __init__(self) -> None:
        self.records = 0
        self.longest = 0
        self._carry = b""

    def feed(self, chunk: bytes) -> None:
        lines = (self._carry + chunk).split(b"\n")
        self._carry = lines.pop()
        self.records += sum(1 for line in lines if line.strip(b" \r"))
        self.longest = max(self.longest, max(map(len, lines), default=0), len(self._carry))
        if self.longest > MAX_RECORD_BYTES:
            raise RecordTooLong(self.records + 1, self.longest)

    def result(self) -> int:
        return self.records + (1 if self._carry.strip(b" \r") else 0)


def decoded_lines(stream: io.BufferedIOBase, encoding: str) -> io.TextIOWrapper:
    """A binary stream as text for the csv module (newline='' keeps quoted newlines intact)."""
    encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    return io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
