"""The quality gate, as Ibis expressions over the source's text columns.

Each canonical field is parsed according to its kind. A field yields a value, an *error* (the row
goes to quarantine, with the reason) or a *warning* (the row is kept and flagged in
``quality_flags`` as ``field:code``). Errors read ``field (column 'X'): why: 'value'`` so that a user
can find and fix the cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt

from clearsight.ingest.mapping import FieldSpec
from clearsight.ingest.reference import FALSE_WORDS, FLOW_CODES, MODE_CODES, TRUE_WORDS, currency_codes
from clearsight.schema import Field, Table

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
#: A unit value this many times above or below its HS6's median in the file is flagged.
EXTREME_UNIT_VALUE_FACTOR = 100.0
#: ...when the HS6 has at least this many items in the file.
UNIT_VALUE_MIN_ITEMS = 20


@ibis.udf.scalar.builtin
def try_strptime(text: str, formats: dt.Array(dt.string)) -> dt.timestamp:  # type: ignore[valid-type]
    """DuckDB's try_strptime: NULL instead of an error when no format fits."""


@ibis.udf.scalar.builtin
def trim(text: str) -> str:
    """DuckDB's trim of spaces: twice as fast as a trim of a character set, and enough for cells."""


@ibis.udf.scalar.builtin
def strip_accents(text: str) -> str:
    """DuckDB's strip_accents."""


@dataclass
class Parsed:
    value: ibis.Value
    errors: list[ibis.StringValue]
    warnings: list[ibis.StringValue]


def _quoted(s: ibis.StringValue) -> ibis.StringValue:
    return "'" + s.substr(0, 60) + "'"


def _when(cond: ibis.BooleanValue, message: ibis.StringValue | str) -> ibis.StringValue:
    return ibis.ifelse(cond, message, ibis.null(dt.string))


def source_text(spec: FieldSpec, src: ibis.Table, expr_column: str | None) -> ibis.StringValue:
    """The field's text as the file gives it: trimmed, empty cells as NULL, constants as text."""
    if spec.value is not None:
        v = spec.value
        text = ("true" if v else "false") if isinstance(v, bool) else str(v)
        return ibis.literal(text, type="string")
    column = expr_column if spec.expr is not None else spec.column
    return trim(src[column].cast("string")).nullif("")


def label(f: Field, spec: FieldSpec) -> str:
    """How an error names the field: with the source column when it differs."""
    if spec.column is not None and spec.column != f.name:
        return f"{f.name} (column '{spec.column}')"
    if spec.expr is not None:
        return f"{f.name} (expression)"
    return f.name


def parse_number(s: ibis.StringValue, decimal: str) -> ibis.FloatingValue:
    """Decimals as people write them: spaces or apostrophes as thousands marks, a chosen decimal mark."""
    t = s.re_replace(r"[\s'’_]", "")
    if decimal == ",":
        return t.replace(".", "").replace(",", ".").try_cast("float64")
    # Plain numbers take the fast cast; only the rest pay for the regular expressions.
    # "1,234,567.5" is a grouped number; "1,5" is not a number in a "." file.
    grouped = ibis.ifelse(t.re_search(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"), t.replace(",", ""), t)
    return s.try_cast("float64").coalesce(grouped.try_cast("float64"))


def _map_values(spec: FieldSpec) -> dict[str, str]:
    return {
        k: ("true" if v is True else "false" if v is False else str(v)) for k, v in (spec.map or {}).items()
    }


def parse_field(f: Field, s: ibis.StringValue, spec: FieldSpec, decimal: str, *, country=None) -> ibis.Value:
    """Phase 1: the one costly parse of a field's text (number, date, code...), NULL where it fails.

    Each field is parsed exactly once, in its own column, so the checks of phase 2 compare cheap
    columns instead of repeating regular expressions. ``country`` is the joined alpha-2 code.
    """
    kind = f.kind
    if kind in ("id", "text"):
        return s
    if kind in ("int", "amount", "rate"):
        return parse_number(s, decimal)
    if kind in ("date", "timestamp"):
        return parse_date(s, spec)
    if kind == "bool":
        low = s.lower()
        return ibis.ifelse(
            low.isin(TRUE_WORDS), True, ibis.ifelse(low.isin(FALSE_WORDS), False, ibis.null(dt.boolean))
        )
    if kind == "country":
        return country
    if kind == "currency":
        return s.upper()
    if kind in ("hs_code", "hs_any", "period"):
        digits = s.re_replace(r"[\s.\-/]", "")
        return ibis.ifelse(digits.re_search(r"^\d+$"), digits, ibis.null(dt.string))
    if kind == "enum":
        return _enum_value(f, s)[0]
    raise ValueError(f"unknown kind {kind}")  # pragma: no cover - the schema only uses the kinds above


def parse_date(s: ibis.StringValue, spec: FieldSpec) -> ibis.TimestampValue:
    if spec.format:
        return try_strptime(s, ibis.literal([spec.format]))
    return s.try_cast("timestamp").coalesce(try_strptime(s, ibis.literal(DATE_FORMATS)))


def check_field(f: Field, s: ibis.StringValue, m: ibis.StringValue, p: ibis.Value, spec: FieldSpec) -> Parsed:
    """Phase 2: the canonical value, errors and warnings, from the text ``s`` as the file gives it,
    the text ``m`` after the mapping's value map, and the parsed value ``p``."""
    name = label(f, spec)
    errors: list[ibis.StringValue] = []
    warnings: list[ibis.StringValue] = []
    if spec.map is not None:
        errors.append(
            _when(s.notnull() & m.isnull(), f"{name}: value not in the mapping's map: " + _quoted(s))
        )
    present = m.notnull()
    kind = f.kind
    if kind in ("id", "text"):
        value = p
        if kind == "id":
            errors.append(_when(present & (m.length() > 64), f"{name}: identifier longer than 64 characters"))
    elif kind == "int":
        ok = p.notnull() & (p == p.floor())
        errors.append(_when(present & ~ok.fill_null(False), f"{name}: not a whole number: " + _quoted(s)))
        value = ibis.ifelse(ok, p, ibis.null(dt.float64)).cast("int64")
    elif kind in ("amount", "rate"):
        bad = p.isnull() | p.isnan() | p.isinf()
        errors.append(_when(present & bad, f"{name}: not a number: " + _quoted(s)))
        errors.append(_when(p < 0, f"{name}: negative: " + _quoted(s)))
        value = ibis.ifelse((p >= 0) & ~bad, p, ibis.null(dt.float64))
        if f.name in ("customs_value", "net_mass_kg"):
            warnings.append(_when(p == 0, f"{f.name}:zero"))
        if kind == "rate":
            warnings.append(_when(p > 1000, f"{f.name}:implausible"))
    elif kind in ("date", "timestamp"):
        how = (
            f"expected format {spec.format}"
            if spec.format
            else "expected a date such as 2024-03-31 (or give format: in the mapping)"
        )
        errors.append(_when(present & p.isnull(), f"{name}: not a date ({how}): " + _quoted(s)))
        value = p.cast("date") if kind == "date" else p
    elif kind == "bool":
        value = p
        errors.append(_when(present & p.isnull(), f"{name}: not yes/no (true/false, 1/0): " + _quoted(s)))
    elif kind == "country":
        value = p
        errors.append(_when(present & p.isnull(), f"{name}: unknown country: " + _quoted(s)))
    elif kind == "currency":
        value = p
        errors.append(
            _when(
                present & ~p.isin(sorted(currency_codes())),
                f"{name}: unknown currency (ISO 4217 expected): " + _quoted(s),
            )
        )
    elif kind in ("hs_code", "hs_any"):
        n = p.length()
        if kind == "hs_code":
            padded = ibis.ifelse(n == 5, "0" + p, p)
            ok = padded.length().between(6, 10)
            why = "malformed HS code (6 to 10 digits expected)"
            warnings.append(_when(n == 5, f"{f.name}:hs_zero_padded"))
        else:
            padded = ibis.ifelse((n % 2 == 1) & (n < 10), "0" + p, p)
            ok = padded.length().between(2, 10) & (padded.length() % 2 == 0)
            why = "malformed HS code (2 to 10 digits expected)"
        ok = ok.fill_null(False)
        errors.append(_when(present & ~ok, f"{name}: {why}: " + _quoted(s)))
        value = ibis.ifelse(ok, padded, ibis.null(dt.string))
    elif kind == "period":
        ok = p.re_search(r"^(19|20)\d\d((0[1-9])|(1[0-2]))?$").fill_null(False)
        errors.append(_when(present & ~ok, f"{name}: not a period (YYYY or YYYYMM): " + _quoted(s)))
        value = ibis.ifelse(ok, p, ibis.null(dt.string))
    elif kind == "enum":
        value = p
        allowed = ", ".join(f.values)
        errors.append(_when(present & p.isnull(), f"{name}: not one of {allowed}: " + _quoted(s)))
    else:  # pragma: no cover - the schema only uses the kinds above
        raise ValueError(f"unknown kind {kind}")
    if f.required:
        errors.append(_when(s.isnull(), f"{name}: missing (required)"))
    return Parsed(value=value, errors=errors, warnings=warnings)


def _enum_value(f: Field, s: ibis.StringValue) -> tuple[ibis.StringValue, list[str]]:
    """The canonical value of an enum field (NULL when unknown), and the allowed values."""
    allowed = list(f.values)
    if f.name == "flow":
        up = s.upper()
        value = ibis.ifelse(up.isin(allowed), up, up.substitute(FLOW_CODES, else_=ibis.null(dt.string)))
        return value, allowed
    low = s.lower().re_replace(r"[\s\-]+", "_")
    aliases = MODE_CODES if f.name == "mode_of_transport" else {}
    value = ibis.ifelse(
        low.isin(allowed),
        low,
        low.substitute(aliases, else_=ibis.null(dt.string)) if aliases else ibis.null(dt.string),
    )
    return value, allowed


def country_key_expr(s: ibis.StringValue) -> ibis.StringValue:
    """Same normalisation as reference.country_key, in the engine."""
    return strip_accents(s.upper()).re_replace(",", " ").re_replace(r"\s+", " ").strip()


def parsed_expression(
    src: ibis.Table,
    table: Table,
    specs: dict[str, FieldSpec],
    expr_columns: dict[str, str],
    countries: ibis.Table,
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
    for name in specs:
        if table.field(name).kind == "country":
            lk = countries.select(**{f"_ck_{name}": countries.key, f"_cv_{name}": countries.alpha_2})
            text = t[f"_m_{name}"]
            # Codes (2-3 characters) skip the costlier name normalisation.
            key = ibis.ifelse(text.length() <= 3, text.upper(), country_key_expr(text))
            t = t.mutate(**{f"_k_{name}": key})
            t = t.left_join(lk, t[f"_k_{name}"] == lk[f"_ck_{name}"]).drop(f"_ck_{name}", f"_k_{name}")
    parsed = {}
    for name, spec in specs.items():
        f = table.field(name)
        # An expression's result is written by the engine, with "." as decimal mark.
        mark = "." if spec.expr is not None else decimal
        m = t[f"_m_{name}"]
        country = t[f"_cv_{name}"] if f.kind == "country" else None
        parsed[f"_p_{name}"] = parse_field(f, m, spec, mark, country=country)
    keep = [c for c in t.columns if not c.startswith("_cv_")]
    return t.select(*keep, **parsed)


def staged_expression(
    parsed: ibis.Table,
    table: Table,
    specs: dict[str, FieldSpec],
    hs6_reference: ibis.Table,
) -> ibis.Table:
    """Phase 2, over the phase-1 view: ``_row``, every canonical field, ``_errors``, ``_warnings``, ``_raw``."""
    source_columns = [c for c in parsed.columns if not c.startswith(("_row", "__expr", "_s_", "_m_", "_p_"))]
    t = parsed
    values: dict[str, ibis.Value] = {}
    errors: list[ibis.StringValue] = []
    warnings: list[ibis.StringValue] = []
    for f in table.mappable_fields:
        spec = specs.get(f.name)
        if spec is None:
            values[f.name] = ibis.null(f.dtype)
            continue
        s, m, p = t[f"_s_{f.name}"], t[f"_m_{f.name}"], t[f"_p_{f.name}"]
        checked = check_field(f, s, m, p, spec)
        if spec.expr is not None:  # filled input cells must give a value
            inputs = t[f"__exprin__{f.name}"]
            checked.errors.append(
                _when(
                    inputs.notnull() & s.isnull(), f"{f.name} (expression): no value from columns " + inputs
                )
            )
        values[f.name] = checked.value.cast(f.dtype)
        errors += checked.errors
        warnings += checked.warnings
    if any(f.name == "hs6" and f.derived for f in table.fields):
        code = values["hs_code"]
        values.update(hs2=code.substr(0, 2), hs4=code.substr(0, 4), hs6=code.substr(0, 6))
        warnings.append(
            _when(code.notnull() & ~code.substr(0, 6).isin(hs6_reference.hs6), "hs_code:not_in_hs2022")
        )
    # Messages are joined as text (CONCAT_WS skips NULLs): far cheaper per row than lists.
    error_text = ibis.literal(ERROR_SEPARATOR).join([*errors, ibis.null(dt.string)])
    raw = ibis.struct({c: t[c] for c in source_columns}).cast("json").cast("string")
    return t.select(
        _row=t._row,
        _seq=t._row,
        **values,
        _errors=error_text,
        _warnings=ibis.literal(",").join([*warnings, ibis.null(dt.string)]),
        # The raw row is kept only where it is needed: rows that go to quarantine.
        _raw=ibis.ifelse(error_text != "", raw, ibis.null(dt.string)),
    )


#: Separates the reasons of one row inside the engine; shown to users as "; ".
ERROR_SEPARATOR = "\x1f"


def has_errors(staged: ibis.Table) -> ibis.BooleanValue:
    return staged._errors != ""


def log_unit_value(t: ibis.Table) -> ibis.FloatingValue:
    """log(customs value per kg), NULL where either is missing or not positive (no log of zero)."""
    ok = (t.customs_value > 0) & (t.net_mass_kg > 0)
    return (
        ibis.ifelse(ok, t.customs_value, ibis.null(dt.float64)).ln()
        - ibis.ifelse(ok, t.net_mass_kg, ibis.null(dt.float64)).ln()
    )


def unit_value_flags(staged: ibis.Table) -> ibis.Table:
    """HS6 reference medians of log unit value within the file, for the extreme-unit-value warning."""
    ok = staged.filter(~has_errors(staged) & (staged.customs_value > 0) & (staged.net_mass_kg > 0))
    ref = ok.group_by("hs6").aggregate(_uv_median=log_unit_value(ok).median(), _uv_n=ok.count())
    return ref.filter(ref._uv_n >= UNIT_VALUE_MIN_ITEMS)


UNIT_VALUE_LOG_LIMIT = math.log(EXTREME_UNIT_VALUE_FACTOR)
