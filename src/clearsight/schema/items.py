"""The canonical goods item: the rules a value must pass, field by field, and one normalisation.

Every door a declaration comes in by uses these definitions: the quality gate (``clearsight.ingest.gate``,
which applies them as vectorised expressions over a whole file and takes its patterns, formats,
reference lists and wording from here), the scoring API (``clearsight.portal.schemas``, one item at a
time), and the scoring paths that turn items into canonical rows (the risk snapshot, the real-time
decider, the simulator; see :func:`canonical_items`).

:func:`check_value` checks one value of one field the way the gate checks a cell: it gives the canonical
value, the *errors* (the gate sends the row to quarantine, with these very reasons) and the *warnings*
(the gate keeps the row and flags it ``field:code``). Values may come as text, as a file gives them,
or typed (numbers, dates), as JSON and Arrow give them. Where the gate's SQL and this module cannot
share code (parsing a cell of text), ``tests/schema/test_items.py`` generates items, hostile ones
included, and checks that both give the same verdict, field by field.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from clearsight.schema.reference import (
    FALSE_WORDS,
    FLOW_CODES,
    MODE_CODES,
    TRUE_WORDS,
    country_key,
    country_lookup,
    currency_codes,
    hs2022_subheadings,
)
from clearsight.schema.tables import DECLARATIONS, Field, Table

#: Control characters (Unicode Cc): C0, DEL and C1. An identifier or a code may hold none of them.
CONTROL = r"[\x00-\x1f\x7f-\x9f]"
#: ...free text (a goods description, an address) may hold tabs and line breaks, and C1 characters
#: (a Windows-1252 file read as Latin-1 shows its curly quotes and dashes as C1), never the rest.
FREE_TEXT_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
#: Text fields whose values are prose rather than codes.
FREE_TEXT_FIELDS = frozenset({"goods_description", "commodity", "name", "address", "concealment"})
#: Longest identifier, in characters.
ID_MAX_LENGTH = 64
#: How much of a value a reason quotes, in characters.
QUOTED_LENGTH = 60
#: Formats tried, in order, for dates without a format in the mapping (ISO is tried first by a cast).
DATE_FORMATS = [
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y%m%d%H%M%S",
]
#: Fields whose zero value is flagged (``field:zero``); a rate above this is flagged implausible.
ZERO_FLAGGED = ("customs_value", "net_mass_kg")
IMPLAUSIBLE_RATE = 1000
#: Spaces, dots, dashes and slashes inside a code (the gate's ``\s`` is ASCII, as RE2 reads it).
CODE_SEPARATORS = r"[\t\n\f\r .\-/]"
#: Spaces and hyphens an enum value may spell with underscores.
ENUM_SEPARATORS = r"[\t\n\f\r \-]+"
_LARGEST = sys.float_info.max

#: Why a value is refused, as the gate writes it to quarantine: ``{name}: {why}: '{value}'``.
REASONS = {
    "missing": "missing (required)",
    "long_id": f"identifier longer than {ID_MAX_LENGTH} characters",
    "whole": "not a whole number",
    "number": "not a number",
    "negative": "negative",
    "bool": "not yes/no (true/false, 1/0)",
    "country": "unknown country",
    "currency": "unknown currency (ISO 4217 expected)",
    "hs_code": "malformed HS code (6 to 10 digits expected)",
    "hs_any": "malformed HS code (2 to 10 digits expected)",
    "period": "not a period (YYYY or YYYYMM)",
    "nomenclature": "not a code of HS 2022",
    "office": "unknown office (no declaration of the warehouse was lodged there)",
}
#: Warnings (``field:code``) the gate keeps a row with, because a history may hold old or national
#: codes, but that refuse a declaration scored in real time: a code outside the nomenclature has no
#: history to be scored with, and would be scored green.
NOT_IN_NOMENCLATURE = "hs_code:not_in_hs2022"


def date_reason(fmt: str | None = None) -> str:
    how = f"expected format {fmt}" if fmt else "expected a date such as 2024-03-31 (or give format: in the mapping)"
    return f"not a date ({how})"


def enum_reason(f: Field) -> str:
    return f"not one of {', '.join(f.values)}"


# -- text as reasons show it -----------------------------------------------------------------------
#: Control characters other than NUL, and how messages show them: C0 and DEL as their Unicode
#: control pictures (U+2401...), C1 as the replacement character; NUL as U+2400.
CONTROLS = "".join(map(chr, range(1, 0x20))) + "\x7f" + "".join(map(chr, range(0x80, 0xA0)))
PICTURES = "".join(map(chr, range(0x2401, 0x2420))) + "\u2421" + "\ufffd" * 32
_VISIBLE = str.maketrans({0: "\u2400", **{ord(c): p for c, p in zip(CONTROLS, PICTURES, strict=True)}})


def quoted(text: str) -> str:
    """The first characters of a value, quoted, control characters made visible."""
    return "'" + text[:QUOTED_LENGTH].translate(_VISIBLE) + "'"


def control_message(name: str, text: str, pattern: str = CONTROL) -> str:
    """``name: control character U+0000 at position 3: 'IM␀EVIL'`` (positions count from 1)."""
    char = re.search(pattern, text).group(0)  # type: ignore[union-attr]
    return f"{name}: control character U+{ord(char):04X} at position {text.find(char) + 1}: {quoted(text)}"


def trimmed(text: str) -> str | None:
    """The text without the space separators (Unicode Zs) around it; empty as None."""
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start]) == "Zs":
        start += 1
    while end > start and unicodedata.category(text[end - 1]) == "Zs":
        end -= 1
    return text[start:end] or None


# -- one value -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checked:
    """A field's canonical value (None when refused or absent), its errors and its warnings."""

    value: object
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def _number(text: str) -> float | None:
    """A number written with "." as decimal mark, thousands grouped by spaces, apostrophes or commas."""
    if not text.isascii():
        return None
    try:
        return float(text)
    except ValueError:
        pass
    t = re.sub(r"[\t\n\f\r '’_]", "", text)
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", t):
        t = t.replace(",", "")
    try:
        return float(t) if "_" not in t else None
    except ValueError:
        return None


def _date(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        value = None
    for fmt in DATE_FORMATS:
        if value is not None:
            break
        try:
            value = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def country_code(text: str) -> str | None:
    """ISO alpha-2 of a code or name as customs data spells it (see ``reference.country_lookup``)."""
    lookup = country_lookup()
    return lookup.get(text.upper()) or lookup.get(country_key(text) if len(text) > 3 else text.upper())


def hs_digits(text: str) -> str | None:
    """A code's digits without spaces, dots, dashes or slashes; None if anything else is left."""
    digits = re.sub(CODE_SEPARATORS, "", text)
    return digits if re.fullmatch(r"[0-9]+", digits) else None


def in_nomenclature(hs_code: str) -> bool:
    """Whether a code's subheading (its first six digits) is one of HS 2022."""
    return hs_code[:6] in hs2022_subheadings()


def _enum(f: Field, text: str) -> str | None:
    if f.name == "flow":
        aliases, key = FLOW_CODES, text.upper()
    else:
        aliases = MODE_CODES if f.name == "mode_of_transport" else {}
        key = re.sub(ENUM_SEPARATORS, "_", text.lower())
    return key if key in f.values else aliases.get(key)


def check_value(f: Field, raw: object, name: str | None = None) -> Checked:
    """``raw`` checked as the gate checks a cell of field ``f``; reasons name it ``name`` (the field's).

    Text is trimmed first (an empty text is absent); numbers, dates and yes/no may also come typed.
    """
    name = name or f.name
    if isinstance(raw, str):
        s = trimmed(raw)
        raw = s
    else:
        s = None if raw is None else str(raw)
    if raw is None:
        return Checked(None, (f"{name}: {REASONS['missing']}",) if f.required else ())
    text = s or ""

    def refused(why: str) -> Checked:
        if isinstance(raw, str) and re.search(CONTROL, text):
            return Checked(None, (control_message(name, text),))
        return Checked(None, (f"{name}: {why}: {quoted(text)}",))

    kind = f.kind
    if kind in ("id", "text"):
        pattern = FREE_TEXT_CONTROL if f.name in FREE_TEXT_FIELDS else CONTROL
        errors = [control_message(name, text, pattern)] if re.search(pattern, text) else []
        if kind == "id" and len(text) > ID_MAX_LENGTH:
            errors.append(f"{name}: {REASONS['long_id']}")
        return Checked(None if errors else text, tuple(errors))
    if kind in ("int", "amount", "rate"):
        if isinstance(raw, bool):
            return refused(REASONS["whole" if kind == "int" else "number"])
        p = _number(text) if isinstance(raw, str) else float(raw)  # type: ignore[arg-type]
        if kind == "int":
            if p is None or not math.isfinite(p) or p != math.floor(p):
                return refused(REASONS["whole"])
            return Checked(int(p))
        errors = [] if p is not None and math.isfinite(p) else [refused(REASONS["number"]).errors[0]]
        if p is not None and p < 0:
            errors.append(f"{name}: {REASONS['negative']}: {quoted(text)}")
        warnings = []
        if p == 0 and f.name in ZERO_FLAGGED:
            warnings.append(f"{f.name}:zero")
        if kind == "rate" and p is not None and (math.isnan(p) or p > IMPLAUSIBLE_RATE):
            warnings.append(f"{f.name}:implausible")
        return Checked(None if errors else p, tuple(errors), tuple(warnings))
    if kind in ("date", "timestamp"):
        if isinstance(raw, dt.datetime):
            value: object = raw.astimezone(dt.UTC).replace(tzinfo=None) if raw.tzinfo else raw
        elif isinstance(raw, dt.date):
            value = dt.datetime.combine(raw, dt.time())
        else:
            value = _date(text) if isinstance(raw, str) else None
        if value is None:
            return refused(date_reason())
        return Checked(value.date() if kind == "date" else value)  # type: ignore[attr-defined]
    if kind == "bool":
        if isinstance(raw, bool):
            return Checked(raw)
        word = text.lower()
        value = True if word in TRUE_WORDS else False if word in FALSE_WORDS else None
        return refused(REASONS["bool"]) if value is None else Checked(value)
    if kind == "country":
        code = country_code(text)
        return refused(REASONS["country"]) if code is None else Checked(code)
    if kind == "currency":
        code = text.upper()
        return Checked(code) if code in currency_codes() else refused(REASONS["currency"])
    if kind in ("hs_code", "hs_any"):
        p = hs_digits(text)
        n = len(p) if p is not None else 0
        if kind == "hs_code":
            padded = "0" + p if p is not None and n == 5 else p
            ok = padded is not None and 6 <= len(padded) <= 10
        else:
            padded = "0" + p if p is not None and n % 2 == 1 and n < 10 else p
            ok = padded is not None and 2 <= len(padded) <= 10 and len(padded) % 2 == 0
        if not ok:
            return refused(REASONS[kind])
        warnings = [f"{f.name}:hs_zero_padded"] if kind == "hs_code" and n == 5 else []
        if kind == "hs_code" and f.name == "hs_code" and not in_nomenclature(padded):  # type: ignore[arg-type]
            warnings.append(NOT_IN_NOMENCLATURE)
        return Checked(padded, (), tuple(warnings))
    if kind == "period":
        p = hs_digits(text)
        if p is None or not re.fullmatch(r"(19|20)\d\d((0[1-9])|(1[0-2]))?", p):
            return refused(REASONS["period"])
        return Checked(p)
    if kind == "enum":
        value = _enum(f, text)
        return refused(enum_reason(f)) if value is None else Checked(value)
    raise ValueError(f"unknown kind {kind}")  # pragma: no cover - the schema only uses the kinds above


# -- one item --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemCheck:
    """A goods item checked field by field: its canonical values, and what refuses or flags it."""

    item: dict[str, object]
    #: (field, reason) per fault, in the order of the table's fields, worded as in the quarantine
    refusals: list[tuple[str, str]]
    warnings: list[str]


def check_item(values: Mapping[str, object], table: Table = DECLARATIONS, *, required: bool = True) -> ItemCheck:
    """Every field of ``table`` that ``values`` holds, checked as the gate checks a row; with
    ``required``, an absent required field is refused too. Fields not in the table are ignored."""
    item: dict[str, object] = {}
    refusals: list[tuple[str, str]] = []
    warnings: list[str] = []
    for f in table.mappable_fields:
        if f.name not in values and not (required and f.required):
            continue
        checked = check_value(f, values.get(f.name))
        item[f.name] = checked.value
        refusals += [(f.name, reason) for reason in checked.errors]
        warnings += checked.warnings
    return ItemCheck(item=item, refusals=refusals, warnings=warnings)


def real_time_value(f: Field, value: object) -> Checked:
    """A value of field ``f`` checked for a declaration scored in real time: what the gate refuses,
    and an HS code outside the nomenclature too (see ``NOT_IN_NOMENCLATURE``), are errors."""
    checked = check_value(f, value)
    if not checked.errors and NOT_IN_NOMENCLATURE in checked.warnings:
        reason = f"{f.name}: {REASONS['nomenclature']}: {quoted(str(checked.value))}"
        return Checked(None, (reason,), checked.warnings)
    return checked


def load_reference_lists() -> None:
    """Build the reference lists the checks read (countries, currencies, HS 2022) now, not at the
    first check: a server does it while starting, before it sets its start-up objects aside from the
    garbage collector (else every full collection walks them, slowing every request)."""
    country_lookup()
    currency_codes()
    hs2022_subheadings()


def office_refusal(office_id: str, offices: Iterable[str]) -> str | None:
    """Why an office refuses a declaration scored in real time: not one of ``offices`` (those the
    administration's declarations were lodged at)."""
    if office_id in offices:
        return None
    return f"office_id: {REASONS['office']}: {quoted(office_id)}"


# -- a batch of items, canonical columns -----------------------------------------------------------
class ItemsUnreadable(ValueError):
    """A column of items cannot be read as its canonical type."""


_ARROW_TYPES: dict[str, dict[str, pa.DataType]] = {}


def arrow_types(table: Table = DECLARATIONS) -> dict[str, pa.DataType]:
    """The Arrow type each field of ``table`` is stored with (timestamps to the microsecond); kept by
    table name (hashing a table hashes every field, which the scoring API would pay at each call)."""
    types = _ARROW_TYPES.get(table.name)
    if types is None:
        import ibis

        schema = ibis.schema({f.name: f.dtype for f in table.fields}).to_pyarrow()
        types = _ARROW_TYPES[table.name] = {name: schema.field(name).type for name in schema.names}
    return types


def hs_code_digits(hs_code: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Each HS code as its digits alone (``8541.43`` -> ``854143``); codes already all digits, as the
    gate and the API give them, are returned as they are (no regular expression run)."""
    text = pc.cast(hs_code, pa.string())
    if pc.all(pc.or_kleene(pc.utf8_is_digit(text), pc.is_null(text))).as_py() is not False:
        return text
    return pc.replace_substring_regex(text, r"[^0-9]", "")


def hs_prefix(digits: pa.ChunkedArray | pa.Array, length: int) -> pa.ChunkedArray | pa.Array:
    """The first ``length`` digits of each code of :func:`hs_code_digits`: hs2, hs4, hs6."""
    return pc.utf8_slice_codeunits(digits, 0, length)


def lodged_now(now: dt.datetime | None = None) -> dt.datetime:
    """The lodgement time of an item given none: now (UTC, without a zone), to the second."""
    return (now or dt.datetime.now(dt.UTC).replace(tzinfo=None)).replace(microsecond=0)


def canonical_items(
    items: pa.Table,
    columns: Sequence[str] | None = None,
    *,
    table: Table = DECLARATIONS,
    now: dt.datetime | None = None,
) -> tuple[pa.Table, list[str]]:
    """``items`` as canonical columns (``columns``, default every field of ``table``), typed as
    stored, and notes on what was missing.

    A column the items lack is NULL, except: ``hs2`` / ``hs4`` / ``hs6`` are taken from ``hs_code``
    (its digits), ``hs_code`` from ``hs6``, and ``lodged_at`` is now (:func:`lodged_now`). Raises
    :class:`ItemsUnreadable` naming a column that cannot be read as its type.
    """
    types = arrow_types(table)
    names = set(items.column_names)
    n = items.num_rows
    out, notes = {}, []
    digits = None
    for name in columns or list(types):
        dtype = types[name]
        if name in names:
            column = items[name]
            try:
                out[name] = column if column.type == dtype else pc.cast(column, dtype)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ItemsUnreadable(f"column {name}: cannot read it as {dtype} ({exc})") from None
        elif name in ("hs2", "hs4", "hs6") and "hs_code" in names:
            if digits is None:
                digits = hs_code_digits(items["hs_code"])
            out[name] = hs_prefix(digits, int(name[2:]))
        elif name == "hs_code" and "hs6" in names:
            out[name] = pc.cast(items["hs6"], dtype)
        elif name == "lodged_at":
            out[name] = pa.array([lodged_now(now)] * n, dtype)
            notes.append("no lodged_at: items treated as lodged now")
        else:
            out[name] = pa.nulls(n, dtype)
            notes.append(f"no {name}: treated as missing")
    return pa.table(out), notes
