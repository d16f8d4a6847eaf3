"""The quality gate, as Ibis expressions over the source's text columns.

Each canonical field is parsed according to its kind. A field yields a value, an *error* (the row
goes to quarantine, with the reason) or a *warning* (the row is kept and flagged in
``quality_flags`` as ``field:code``). Errors read ``field (column 'X'): why: 'value'`` so that a user
can find and fix the cell.

The expressions are written for the engine's per-row cost, because every cell of every file goes
through them. The staging engine is always DuckDB (see ``load``), whose optimiser computes an
expression shared by several parts of a query once, for every row, when one of those parts is a
CASE condition or a COALESCE argument; a branch of a CASE is evaluated only for its rows. So:
costly fallbacks (regular expressions, date formats, name normalisation) sit in CASE branches
behind a cheap test, and a message is built only for the rows it describes. Reference lists are
looked up through DuckDB ENUM types (a cast is a hash look-up) rather than joins: with no join, the
staging query can read the file in parallel and still keep its order, which numbers the rows.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt

from clearsight.ingest.mapping import FieldSpec
from clearsight.schema import Field, Table
from clearsight.schema.items import (
    CODE_SEPARATORS,
    CONTROL,
    CONTROLS,
    DATE_FORMATS,
    ENUM_SEPARATORS,
    FREE_TEXT_CONTROL,
    FREE_TEXT_FIELDS,
    ID_MAX_LENGTH,
    IMPLAUSIBLE_RATE,
    NOT_IN_NOMENCLATURE,
    PICTURES,
    QUOTED_LENGTH,
    REASONS,
    ZERO_FLAGGED,
    date_reason,
    enum_reason,
)
from clearsight.schema.measures import is_priced, priced_log_unit_value
from clearsight.schema.reference import (
    FALSE_WORDS,
    FLOW_CODES,
    MODE_CODES,
    TRUE_WORDS,
    country_lookup,
    currency_codes,
    hs2022_subheadings,
)

_LARGEST = sys.float_info.max
#: A unit value this many times above or below its HS6's median in the file is flagged.
EXTREME_UNIT_VALUE_FACTOR = 100.0
#: ...when the HS6 has at least this many items in the file.
UNIT_VALUE_MIN_ITEMS = 20


@ibis.udf.scalar.builtin
def try_strptime(text: str, formats: dt.Array(dt.string)) -> dt.timestamp:  # type: ignore[valid-type]
    """DuckDB's try_strptime: NULL instead of an error when no format fits."""


@ibis.udf.scalar.builtin(name="try_strptime")
def try_strptime_zoned(text: str, formats: dt.Array(dt.string)) -> dt.Timestamp(timezone="UTC"):  # type: ignore[valid-type]
    """try_strptime with formats that read a time zone: DuckDB then gives an instant."""


@ibis.udf.scalar.builtin
def trim(text: str) -> str:
    """DuckDB's trim: removes leading and trailing space separators (Unicode Zs), not tabs."""


@ibis.udf.scalar.builtin
def strlen(text: str) -> int:
    """DuckDB's strlen: the length in bytes (``length`` counts characters)."""


@ibis.udf.scalar.builtin
def strip_accents(text: str) -> str:
    """DuckDB's strip_accents."""


@ibis.udf.scalar.builtin
def to_json(text: str) -> str:
    """DuckDB's to_json: a JSON string, control characters, quotes and backslashes escaped."""


@ibis.udf.scalar.builtin(name="chr")
def chr_(code: int) -> str:
    """DuckDB's chr: the character with this code point."""


@ibis.udf.scalar.builtin
def unicode(text: str) -> int:
    """DuckDB's unicode: the code point of the first character."""


@ibis.udf.scalar.builtin
def printf(fmt: str, value: int) -> str:
    """DuckDB's printf."""


@ibis.udf.scalar.builtin(name="_cs_country_code")
def country_code(key: str) -> str:
    """ISO alpha-2 of a normalised country spelling, NULL when unknown (see ``install_lookups``)."""


@ibis.udf.scalar.builtin(name="_cs_is_currency")
def is_currency(code: str) -> bool:
    """Whether an upper-case code is an ISO 4217 currency (see ``install_lookups``)."""


@ibis.udf.scalar.builtin(name="_cs_in_hs2022")
def in_hs2022(hs6: str) -> bool:
    """Whether a 6-digit code is an HS 2022 subheading (see ``install_lookups``)."""


#: The DuckDB objects ``install_lookups`` creates on the staging connection.
LOOKUP_MACROS = ("_cs_country_code", "_cs_is_currency", "_cs_in_hs2022")
LOOKUP_TYPES = ("_cs_country_key", "_cs_currency", "_cs_hs2022")


def _enum_sql(values: list[str]) -> str:
    return "ENUM (" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def install_lookups(con, table: Table, specs: dict[str, FieldSpec]) -> None:
    """Create the reference look-ups the gate's expressions for these fields call, as temporary
    DuckDB objects.

    Each list is an ENUM type: casting text to it finds the value by hashing, or gives NULL. A
    country spelling maps to its alpha-2 code by the spelling's position in the ENUM, read from
    one string of two-letter codes (one constant, where a list of codes would be copied per chunk).
    """
    kinds = {table.field(name).kind for name in specs}
    if "country" in kinds:
        lookup = {k: v for k, v in country_lookup().items() if k}
        con.execute(f"CREATE OR REPLACE TEMP TYPE _cs_country_key AS {_enum_sql(sorted(lookup))}")
        order = con.execute("SELECT enum_range(NULL::_cs_country_key)").fetchone()[0]
        codes = "".join(lookup[k] for k in order)
        con.execute(
            "CREATE OR REPLACE TEMP MACRO _cs_country_code(k) AS "
            f"substr('{codes}', enum_code(TRY_CAST(k AS _cs_country_key))::BIGINT * 2 + 1, 2)"
        )
    if "currency" in kinds:
        con.execute(f"CREATE OR REPLACE TEMP TYPE _cs_currency AS {_enum_sql(sorted(currency_codes()))}")
        con.execute(
            "CREATE OR REPLACE TEMP MACRO _cs_is_currency(c) AS TRY_CAST(c AS _cs_currency) IS NOT NULL"
        )
    if _has_hs_subheadings(table):
        con.execute(f"CREATE OR REPLACE TEMP TYPE _cs_hs2022 AS {_enum_sql(sorted(hs2022_subheadings()))}")
        con.execute("CREATE OR REPLACE TEMP MACRO _cs_in_hs2022(h) AS TRY_CAST(h AS _cs_hs2022) IS NOT NULL")


def drop_lookups(con) -> None:
    for name in LOOKUP_MACROS:
        con.execute(f"DROP MACRO IF EXISTS {name}")
    for name in LOOKUP_TYPES:
        con.execute(f"DROP TYPE IF EXISTS {name}")


@dataclass
class Check:
    """A condition on a row and what it says about the row; the message is built only where it holds."""

    when: ibis.BooleanValue
    message: ibis.StringValue | str


@dataclass
class Parsed:
    value: ibis.Value
    errors: list[Check]
    warnings: list[Check]


# The patterns, formats, reference lists and wording are the canonical goods item's
# (``clearsight.schema.items``); the expressions below apply them to every cell of a file. (NUL is
# never written into SQL text: the parser reads it as the end of the query.)


def _visible(s: ibis.StringValue) -> ibis.StringValue:
    """The text with its control characters made visible (NUL as ␀): a reason never holds a
    control character that later queries, pages and terminals would have to survive."""
    return s.replace(chr_(0), "\u2400").translate(CONTROLS, PICTURES)


def _quoted(s: ibis.StringValue) -> ibis.StringValue:
    return "'" + _visible(s.substr(0, QUOTED_LENGTH)) + "'"


def control_message(name: str, s: ibis.StringValue, pattern: str = CONTROL) -> ibis.StringValue:
    """``name: control character U+0000 at position 3: 'IM␀EVIL'`` for the first control character
    of ``s`` matching ``pattern`` (positions count characters from 1)."""
    char = s.re_extract(pattern, 0)
    return (
        f"{name}: control character "
        + printf("U+%04X", unicode(char))
        + " at position "
        + (s.find(char) + 1).cast("string")
        + ": "
        + _quoted(s)
    )


def messages(checks: list[Check], separator: str) -> ibis.StringValue:
    """The messages of the checks that hold, joined by ``separator``; NULL when none holds.

    The joined text is built only for rows where some check holds: most rows pay for the
    conditions alone (cheap comparisons), and store a NULL (a bit) rather than text.
    """
    if not checks:
        return ibis.null(dt.string)
    parts = [ibis.ifelse(c.when, c.message, ibis.null(dt.string)) for c in checks]
    joined = ibis.literal(separator).join([*parts, ibis.null(dt.string)])
    return ibis.ifelse(ibis.or_(*[c.when for c in checks]), joined, ibis.null(dt.string))


def trimmed(text: ibis.StringValue) -> ibis.StringValue:
    """``trim(text)``, empty as NULL. Trimming copies every cell; the test in front of it does not,
    so only cells that may start or end with a space are trimmed: those that sort before "!"
    (the first character is a space or a control character), end with a space, or hold any
    non-ASCII character (a Unicode space may start or end them). A comparison reads the inlined
    prefix of the text, where ``starts_with`` calls memcmp."""
    edge = (text < "!") | text.endswith(" ") | (text.length() != strlen(text))
    return ibis.ifelse(edge, trim(text), text).nullif("")


def source_text(spec: FieldSpec, src: ibis.Table, expr_column: str | None) -> ibis.StringValue:
    """The field's text as the file gives it: trimmed, empty cells as NULL, constants as text."""
    if spec.value is not None:
        v = spec.value
        text = ("true" if v else "false") if isinstance(v, bool) else str(v)
        return ibis.literal(text, type="string")
    column = expr_column if spec.expr is not None else spec.column
    return trimmed(src[column].cast("string"))


def label(f: Field, spec: FieldSpec) -> str:
    """How an error names the field: with the source column when it differs."""
    if spec.column is not None and spec.column != f.name:
        return f"{f.name} (column '{spec.column}')"
    if spec.expr is not None:
        return f"{f.name} (expression)"
    return f.name


def parse_number(s: ibis.StringValue, decimal: str) -> ibis.FloatingValue:
    """Decimals as people write them: spaces or apostrophes as thousands marks, a chosen decimal mark.

    A plain cast reads most cells; the regular expressions run only on the cells it cannot read.
    (A cast that succeeds gives the same number as the cleaned text: it accepts no thousands marks,
    and the spaces and underscores it does accept are the ones cleaning removes.)
    """
    if decimal == ",":
        fast = s.replace(".", "").replace(",", ".").try_cast("float64")
        slow = s.re_replace(r"[\s'’_]", "").replace(".", "").replace(",", ".").try_cast("float64")
        return ibis.ifelse(fast.notnull(), fast, slow)
    fast = s.try_cast("float64")
    # "1,234,567.5" is a grouped number; "1,5" is not a number in a "." file.
    t = s.re_replace(r"[\s'’_]", "")
    slow = ibis.ifelse(t.re_search(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"), t.replace(",", ""), t)
    return ibis.ifelse(fast.notnull(), fast, slow.try_cast("float64"))


def parse_field(f: Field, s: ibis.StringValue, spec: FieldSpec, decimal: str) -> ibis.Value:
    """Phase 1: the one costly parse of a field's text (number, date, code...), NULL where it fails.

    Each field is parsed exactly once, in its own column, so the checks of phase 2 compare cheap
    columns instead of repeating regular expressions.
    """
    kind = f.kind
    if kind in ("id", "text"):
        return s
    if kind in ("int", "amount", "rate"):
        return parse_number(s, decimal)
    if kind in ("date", "timestamp"):
        return parse_date(s, spec)
    if kind == "bool":
        # A CASE, not IN lists: DuckDB plans a long IN list as a join.
        words = dict.fromkeys(TRUE_WORDS, True) | dict.fromkeys(FALSE_WORDS, False)
        return s.lower().substitute(words, else_=ibis.null(dt.boolean))
    if kind == "country":
        # Most cells are a code, or a name spelt as the reference spells it: upper case finds
        # them, and only the rest pay for removing accents and spaces (same result either way:
        # reference spellings are already normalised).
        return country_code(s.upper()).coalesce(country_code(country_key(s)))
    if kind == "currency":
        return s.upper()
    if kind in ("hs_code", "hs_any", "period"):
        return _digits(s)
    if kind == "enum":
        return _enum_value(f, s)
    raise ValueError(f"unknown kind {kind}")  # pragma: no cover - the schema only uses the kinds above


def _digits(s: ibis.StringValue) -> ibis.StringValue:
    """A code's digits without spaces, dots, dashes or slashes; NULL if anything else is left."""
    # Codes are mostly digits and dots: a full match of those and a plain replace read them; the
    # regular expressions run only for the rest.
    plain = s.re_search(r"^[0-9.]+$")
    digits = s.re_replace(CODE_SEPARATORS, "")
    slow = ibis.ifelse(digits.re_search(r"^\d+$"), digits, ibis.null(dt.string))
    return ibis.ifelse(plain, s.replace(".", "").nullif(""), slow)


def parse_date(s: ibis.StringValue, spec: FieldSpec) -> ibis.TimestampValue:
    if spec.format:
        return try_strptime(s, ibis.literal([spec.format]))
    # COALESCE tries the formats only for the cells the ISO cast could not read, and each of those
    # cells only the formats that could read it: a format that fails costs about as much as
    # one that reads the cell (try_strptime over all twelve: 1.4 s per million day-first dates).
    return s.try_cast("timestamp").coalesce(_date_by_shape(s))


#: Cells go to the formats of the first of these separators they contain (or of none).
_DATE_SEPARATORS = ("/", ".", "-", None)


def _date_by_shape(s: ibis.StringValue) -> ibis.TimestampValue:
    """try_strptime over DATE_FORMATS, in order, for the formats that could read the cell: those
    with its separator (a format without '/' cannot read a cell with one) and as many colons.
    The first format that reads it is the one the whole list would have found."""
    colons = s.length() - s.replace(":", "").length()
    by_separator = []
    for i, sep in enumerate(_DATE_SEPARATORS):
        earlier = [e for e in _DATE_SEPARATORS[:i] if e is not None]
        by_colons = []
        for n in range(4):
            formats = [f for f in DATE_FORMATS if _could_read(f, sep, earlier, n)]
            if formats:
                by_colons.append((colons == n, _strptime(s, formats)))
        branch = ibis.cases(*by_colons, else_=ibis.null(dt.timestamp))
        by_separator.append((s.contains(sep) if sep is not None else ibis.literal(True), branch))
    return ibis.cases(*by_separator, else_=ibis.null(dt.timestamp))


def _could_read(fmt: str, sep: str | None, absent: list[str], colons: int) -> bool:
    """Whether ``fmt`` could read a cell with separator ``sep`` (None: none of them), without the
    separators ``absent``, and with ``colons`` colons. A time zone (%z) may bring a '-' and a ':'."""
    literal = re.sub(r"%.", "", fmt)
    zoned = "%z" in fmt
    if any(a in literal for a in absent):
        return False
    if sep is None:
        if any(c in literal for c in "/.-"):
            return False
    elif sep not in literal and not (sep == "-" and zoned):
        return False
    return literal.count(":") == colons or (zoned and literal.count(":") + 1 == colons)


def _strptime(s: ibis.StringValue, formats: list[str]) -> ibis.TimestampValue:
    """try_strptime over ``formats`` in order. Formats with a time zone make try_strptime's result
    an instant, for every cell: they are tried apart (still in order) and cast back to a timestamp,
    so that cells read by a plain format pay for no time zone conversion."""
    runs: list[list[str]] = []
    for f in formats:
        if runs and ("%z" in f) == ("%z" in runs[-1][0]):
            runs[-1].append(f)
        else:
            runs.append([f])
    tries = [
        try_strptime_zoned(s, ibis.literal(run)).cast("timestamp")
        if "%z" in run[0]
        else try_strptime(s, ibis.literal(run))
        for run in runs
    ]
    return tries[0] if len(tries) == 1 else ibis.coalesce(*tries)


def check_field(
    f: Field,
    s: ibis.StringValue,
    m: ibis.StringValue,
    p: ibis.Value,
    spec: FieldSpec,
    may_hold_control: ibis.BooleanValue | None = None,
) -> Parsed:
    """Phase 2: the canonical value, errors and warnings, from the text ``s`` as the file gives it,
    the text ``m`` after the mapping's value map, and the parsed value ``p``.

    ``may_hold_control``, for an identifier or a code, is a test shared by the row's identifiers
    and codes (see ``staged_expression``): only where it holds is each one searched for control
    characters. A field that is parsed (a number, a date, a country...) needs no search of its own:
    a control character fails the parse, and the parse error then names the character instead.
    """
    name = label(f, spec)
    errors: list[Check] = []
    warnings: list[Check] = []

    def unreadable(message: ibis.StringValue | str) -> ibis.StringValue:
        """The message of a value that does not parse, or of its control character if it holds one."""
        return ibis.ifelse(s.re_search(CONTROL), control_message(name, s), message)

    if spec.map is not None:
        errors.append(
            Check(
                s.notnull() & m.isnull(), unreadable(f"{name}: value not in the mapping's map: " + _quoted(s))
            )
        )
    present = m.notnull()
    kind = f.kind
    if kind in ("id", "text"):
        value = p
        if f.name in FREE_TEXT_FIELDS:
            # Most descriptions need no search: to_json escapes every C0 control character (and
            # quotes and backslashes), a cheaper test than a regular expression.
            # (DEL is the one control character to_json leaves as it is.)
            suspect = to_json(s).contains("\\") | s.contains("\x7f")
            found = ibis.ifelse(suspect, s.re_search(FREE_TEXT_CONTROL), False)
            errors.append(Check(found, control_message(name, s, FREE_TEXT_CONTROL)))
        else:
            found = s.re_search(CONTROL)
            if may_hold_control is not None:
                found = ibis.ifelse(may_hold_control, found, False)
            errors.append(Check(found, control_message(name, s)))
        if kind == "id":
            errors.append(Check(present & (m.length() > ID_MAX_LENGTH), f"{name}: {REASONS['long_id']}"))
    elif kind == "int":
        ok = p.notnull() & (p == p.floor())
        errors.append(
            Check(present & ~ok.fill_null(False), unreadable(f"{name}: {REASONS['whole']}: " + _quoted(s)))
        )
        value = ibis.ifelse(ok, p, ibis.null(dt.float64)).cast("int64")
    elif kind in ("amount", "rate"):
        # Finite numbers lie between the largest doubles; NaN sorts above every number in DuckDB.
        # (Two comparisons; isnan and isinf are a function call per cell each.)
        bad = p.isnull() | ~p.between(-_LARGEST, _LARGEST)
        errors.append(Check(present & bad, unreadable(f"{name}: {REASONS['number']}: " + _quoted(s))))
        errors.append(Check(p < 0, f"{name}: {REASONS['negative']}: " + _quoted(s)))
        value = ibis.ifelse(p.between(0, _LARGEST), p, ibis.null(dt.float64))
        if f.name in ZERO_FLAGGED:
            warnings.append(Check(p == 0, f"{f.name}:zero"))
        if kind == "rate":
            warnings.append(Check(p > IMPLAUSIBLE_RATE, f"{f.name}:implausible"))
    elif kind in ("date", "timestamp"):
        errors.append(Check(present & p.isnull(), unreadable(f"{name}: {date_reason(spec.format)}: " + _quoted(s))))
        value = p.cast("date") if kind == "date" else p
    elif kind == "bool":
        value = p
        errors.append(
            Check(present & p.isnull(), unreadable(f"{name}: {REASONS['bool']}: " + _quoted(s)))
        )
    elif kind == "country":
        value = p
        errors.append(Check(present & p.isnull(), unreadable(f"{name}: {REASONS['country']}: " + _quoted(s))))
    elif kind == "currency":
        value = p
        errors.append(
            Check(
                present & ~is_currency(p),
                unreadable(f"{name}: {REASONS['currency']}: " + _quoted(s)),
            )
        )
    elif kind in ("hs_code", "hs_any"):
        n = p.length()
        if kind == "hs_code":
            padded = ibis.ifelse(n == 5, "0" + p, p)
            ok = padded.length().between(6, 10)
            why = REASONS["hs_code"]
            warnings.append(Check(n == 5, f"{f.name}:hs_zero_padded"))
        else:
            padded = ibis.ifelse((n % 2 == 1) & (n < 10), "0" + p, p)
            ok = padded.length().between(2, 10) & (padded.length() % 2 == 0)
            why = REASONS["hs_any"]
        ok = ok.fill_null(False)
        errors.append(Check(present & ~ok, unreadable(f"{name}: {why}: " + _quoted(s))))
        value = ibis.ifelse(ok, padded, ibis.null(dt.string))
    elif kind == "period":
        ok = p.re_search(r"^(19|20)\d\d((0[1-9])|(1[0-2]))?$").fill_null(False)
        errors.append(
            Check(present & ~ok, unreadable(f"{name}: {REASONS['period']}: " + _quoted(s)))
        )
        value = ibis.ifelse(ok, p, ibis.null(dt.string))
    elif kind == "enum":
        value = p
        errors.append(Check(present & p.isnull(), unreadable(f"{name}: {enum_reason(f)}: " + _quoted(s))))
    else:  # pragma: no cover - the schema only uses the kinds above
        raise ValueError(f"unknown kind {kind}")
    if f.required:
        errors.append(Check(s.isnull(), f"{name}: {REASONS['missing']}"))
    return Parsed(value=value, errors=errors, warnings=warnings)


def _enum_value(f: Field, s: ibis.StringValue) -> ibis.StringValue:
    """The canonical value of an enum field, NULL when unknown: one CASE over the allowed values
    and their aliases (an IN list would be planned as a join)."""
    # The CASE compares in order: the allowed values (the usual case) before the aliases.
    allowed = {v: v for v in f.values}
    if f.name == "flow":
        aliases = FLOW_CODES
        text = s.upper()
    else:
        aliases = MODE_CODES if f.name == "mode_of_transport" else {}
        text = s.lower().re_replace(ENUM_SEPARATORS, "_")
    cases = {**allowed, **{k: v for k, v in aliases.items() if k not in allowed}}
    return text.substitute(cases, else_=ibis.null(dt.string))


def country_key(s: ibis.StringValue) -> ibis.StringValue:
    """Same normalisation as reference.country_key, in the engine. Codes (2-3 characters) only need
    upper case; names pay for the accents and spaces."""
    name = strip_accents(s.upper()).re_replace(",", " ").re_replace(r"\s+", " ").strip()
    return ibis.ifelse(s.length() <= 3, s.upper(), name)


def parsed_expression(
    src: ibis.Table,
    table: Table,
    specs: dict[str, FieldSpec],
    expr_columns: dict[str, str],
    decimal: str,
) -> ibis.Table:
    """Phase 1, one row per source row: the source columns, and per mapped field its text (``_s_``),
    its text after the value map (``_m_``) and its parsed value (``_p_``)."""
    texts = {name: source_text(spec, src, expr_columns.get(name)) for name, spec in specs.items()}
    t = src.mutate(**{f"_s_{name}": s for name, s in texts.items()})
    mapped = {
        name: t[f"_s_{name}"].substitute(_map_values(spec), else_=ibis.null(dt.string))
        if spec.map is not None
        else t[f"_s_{name}"]
        for name, spec in specs.items()
    }
    t = t.mutate(**{f"_m_{name}": m for name, m in mapped.items()})
    parsed = {}
    for name, spec in specs.items():
        # An expression's result is written by the engine, with "." as decimal mark.
        mark = "." if spec.expr is not None else decimal
        parsed[f"_p_{name}"] = parse_field(table.field(name), t[f"_m_{name}"], spec, mark)
    return t.mutate(**parsed)


def _map_values(spec: FieldSpec) -> dict[str, str]:
    return {
        k: ("true" if v is True else "false" if v is False else str(v)) for k, v in (spec.map or {}).items()
    }


def staged_expression(parsed: ibis.Table, table: Table, specs: dict[str, FieldSpec]) -> ibis.Table:
    """Phase 2, over the phase-1 view: the mapped fields, ``_errors``, ``_warnings``, ``_raw``, and
    ``_row`` where the source numbers its rows itself (else the caller numbers them).

    Fields the mapping leaves empty and fields derived from others are not stored: writing a
    column costs per row even when it holds nothing (``canonical_rows`` adds them when read).
    """
    source_columns = [c for c in parsed.columns if not c.startswith(("_row", "__expr", "_s_", "_m_", "_p_"))]
    t = parsed
    values: dict[str, ibis.Value] = {}
    errors: list[Check] = []
    warnings: list[Check] = []
    may_hold_control = _may_hold_control(t, table, specs)
    for f in table.mappable_fields:
        spec = specs.get(f.name)
        if spec is None:
            continue
        s, m, p = t[f"_s_{f.name}"], t[f"_m_{f.name}"], t[f"_p_{f.name}"]
        checked = check_field(f, s, m, p, spec, may_hold_control)
        if spec.expr is not None:  # filled input cells must give a value
            inputs = t[f"__exprin__{f.name}"]
            checked.errors.append(
                Check(
                    inputs.notnull() & s.isnull(), f"{f.name} (expression): no value from columns " + inputs
                )
            )
        values[f.name] = checked.value.cast(f.dtype)
        errors += checked.errors
        warnings += checked.warnings
    if _has_hs_subheadings(table) and "hs_code" in values:
        code = values["hs_code"]
        warnings.append(Check(code.notnull() & ~in_hs2022(code.substr(0, 6)), NOT_IN_NOMENCLATURE))
    error_text = messages(errors, ERROR_SEPARATOR)
    raw = ibis.struct({c: t[c] for c in source_columns}).cast("json").cast("string")
    numbered = {"_row": t._row, "_seq": t._row} if "_row" in t.columns else {}
    return t.select(
        **numbered,
        **values,
        _errors=error_text,
        _warnings=messages(warnings, ","),
        # The raw row is kept only where it is needed: rows that go to quarantine.
        _raw=ibis.ifelse(error_text.notnull(), raw, ibis.null(dt.string)),
    )


def _may_hold_control(t: ibis.Table, table: Table, specs: dict[str, FieldSpec]) -> ibis.BooleanValue | None:
    """Whether any identifier or code of the row holds a control character: one search of their
    concatenation, where a search per field would cost the row as many (about 0.2 µs each)."""
    codes = [
        t[f"_s_{f.name}"]
        for f in table.mappable_fields
        if f.name in specs and f.kind in ("id", "text") and f.name not in FREE_TEXT_FIELDS
    ]
    if len(codes) < 2:
        return None
    return ibis.literal("").join(codes).re_search(CONTROL)


def _has_hs_subheadings(table: Table) -> bool:
    return any(f.name == "hs6" and f.derived for f in table.fields)


def canonical_rows(staged: ibis.Table, table: Table) -> ibis.Table:
    """The staged rows with every field of the table: those the mapping left empty as NULL, and
    the HS chapter, heading and subheading from the HS code."""
    extra: dict[str, ibis.Value] = {}
    for f in (*table.fields, *table.extra_fields):
        if f.name in staged.columns:
            continue
        if f.derived and f.name in ("hs2", "hs4", "hs6") and "hs_code" in staged.columns:
            extra[f.name] = staged.hs_code.substr(0, int(f.name[2:]))
        else:
            extra[f.name] = ibis.null(f.dtype)
    return staged.mutate(**extra) if extra else staged


#: Separates the reasons of one row inside the engine; shown to users as "; ".
ERROR_SEPARATOR = "\x1f"


def has_errors(staged: ibis.Table) -> ibis.BooleanValue:
    return staged._errors.notnull()


def log_unit_value(t: ibis.Table) -> ibis.FloatingValue:
    """log(customs value per kg), NULL where either is missing or not positive (no log of zero)."""
    return priced_log_unit_value(t)


def unit_value_flags(staged: ibis.Table) -> ibis.Table:
    """HS6 reference medians of log unit value within the file, for the extreme-unit-value warning."""
    ok = staged.filter(~has_errors(staged) & is_priced(staged))
    ref = ok.group_by("hs6").aggregate(_uv_median=log_unit_value(ok).median(), _uv_n=ok.count())
    return ref.filter(ref._uv_n >= UNIT_VALUE_MIN_ITEMS)


UNIT_VALUE_LOG_LIMIT = math.log(EXTREME_UNIT_VALUE_FACTOR)
