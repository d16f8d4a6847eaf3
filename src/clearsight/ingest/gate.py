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
from ibis import _

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
    return src[column].cast("string").strip().nullif("")


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


def parse_field(f: Field, s: ibis.StringValue, spec: FieldSpec, decimal: str, *, country=None) -> Parsed:
    """Parse one field. ``country`` is the looked-up alpha-2 for country fields (joined by the caller)."""
    name = label(f, spec)
    errors: list[ibis.StringValue] = []
    warnings: list[ibis.StringValue] = []
    present = s.notnull()
    if spec.map is not None:
        mapped = s.substitute(
            {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in spec.map.items()},
            else_=ibis.null(dt.string),
        )
        errors.append(
            _when(present & mapped.isnull(), f"{name}: value not in the mapping's map: " + _quoted(s))
        )
        s, present = mapped, mapped.notnull()
    kind = f.kind
    if kind in ("id", "text"):
        value = s
        if kind == "id":
            errors.append(_when(present & (s.length() > 64), f"{name}: identifier longer than 64 characters"))
    elif kind == "int":
        num = parse_number(s, decimal)
        ok = num.notnull() & (num == num.floor())
        errors.append(_when(present & ~ok.fill_null(False), f"{name}: not a whole number: " + _quoted(s)))
        value = ibis.ifelse(ok, num, ibis.null(dt.float64)).cast("int64")
    elif kind in ("amount", "rate"):
        num = parse_number(s, decimal)
        errors.append(_when(present & (num.isnull() | num.isnan() | num.isinf()), f"{name}: not a number: " + _quoted(s)))
        errors.append(_when(num < 0, f"{name}: negative: " + _quoted(s)))
        value = ibis.ifelse(num >= 0, num, ibis.null(dt.float64))
        if f.name in ("customs_value", "net_mass_kg"):
            warnings.append(_when(num == 0, f"{f.name}:zero"))
        if kind == "rate":
            warnings.append(_when(num > 1000, f"{f.name}:implausible"))
    elif kind in ("date", "timestamp"):
        if spec.format:
            ts = try_strptime(s, ibis.literal([spec.format]))
            how = f"expected format {spec.format}"
        else:
            ts = s.try_cast("timestamp").coalesce(try_strptime(s, ibis.literal(DATE_FORMATS)))
            how = "expected a date such as 2024-03-31 (or give format: in the mapping)"
        errors.append(_when(present & ts.isnull(), f"{name}: not a date ({how}): " + _quoted(s)))
        value = ts.cast("date") if kind == "date" else ts
    elif kind == "bool":
        low = s.lower()
        value = ibis.ifelse(
            low.isin(TRUE_WORDS), True, ibis.ifelse(low.isin(FALSE_WORDS), False, ibis.null(dt.boolean))
        )
        errors.append(_when(present & value.isnull(), f"{name}: not yes/no (true/false, 1/0): " + _quoted(s)))
    elif kind == "country":
        value = country
        errors.append(_when(present & country.isnull(), f"{name}: unknown country: " + _quoted(s)))
    elif kind == "currency":
        value = s.upper()
        errors.append(
            _when(
                present & ~value.isin(sorted(currency_codes())),
                f"{name}: unknown currency (ISO 4217 expected): " + _quoted(s),
            )
        )
    elif kind in ("hs_code", "hs_any"):
        digits = s.re_replace(r"[\s.\-]", "")
        well_formed = digits.re_search(r"^\d+$")
        n = digits.length()
        if kind == "hs_code":
            padded = ibis.ifelse(well_formed & (n == 5), "0" + digits, digits)
            ok = well_formed & padded.length().between(6, 10)
            errors.append(
                _when(present & ~ok, f"{name}: malformed HS code (6 to 10 digits expected): " + _quoted(s))
            )
            warnings.append(_when(well_formed & (n == 5), f"{f.name}:hs_zero_padded"))
        else:
            padded = ibis.ifelse(well_formed & (n % 2 == 1) & (n < 10), "0" + digits, digits)
            ok = well_formed & padded.length().between(2, 10) & (padded.length() % 2 == 0)
            errors.append(
                _when(present & ~ok, f"{name}: malformed HS code (2 to 10 digits expected): " + _quoted(s))
            )
        value = ibis.ifelse(ok, padded, ibis.null(dt.string))
    elif kind == "period":
        digits = s.re_replace(r"[\-/.\s]", "")
        ok = digits.re_search(r"^(19|20)\d\d((0[1-9])|(1[0-2]))?$")
        errors.append(_when(present & ~ok, f"{name}: not a period (YYYY or YYYYMM): " + _quoted(s)))
        value = ibis.ifelse(ok, digits, ibis.null(dt.string))
    elif kind == "enum":
        value, allowed = _enum_value(f, s)
        errors.append(
            _when(present & value.isnull(), f"{name}: not one of {', '.join(allowed)}: " + _quoted(s))
        )
    else:  # pragma: no cover - the schema only uses the kinds above
        raise ValueError(f"unknown kind {kind}")
    if f.required:
        errors.append(_when(s.isnull(), f"{name}: missing (required)"))
    return Parsed(value=value, errors=errors, warnings=warnings)


def _enum_value(f: Field, s: ibis.StringValue) -> tuple[ibis.StringValue, list[str]]:
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


def staged_expression(
    src: ibis.Table,
    table: Table,
    specs: dict[str, FieldSpec],
    expr_columns: dict[str, str],
    countries: ibis.Table,
    hs6_reference: ibis.Table,
    decimal: str,
) -> ibis.Table:
    """One row per source row: ``_row``, every canonical field parsed, ``_errors``, ``_warnings``, ``_raw``."""
    source_columns = [c for c in src.columns if c != "_row" and not c.startswith("__expr")]
    texts = {name: source_text(spec, src, expr_columns.get(name)) for name, spec in specs.items()}
    t = src.mutate(**{f"_s_{name}": s for name, s in texts.items()})
    for name in specs:
        f = table.field(name)
        if f.kind == "country":
            lk = countries.select(**{f"_ck_{name}": countries.key, f"_cv_{name}": countries.alpha_2})
            text = t[f"_s_{name}"]
            # Codes (2-3 characters) skip the costlier name normalisation.
            key = ibis.ifelse(text.length() <= 3, text.upper(), country_key_expr(text))
            t = t.mutate(**{f"_k_{name}": key})
            t = t.left_join(lk, t[f"_k_{name}"] == lk[f"_ck_{name}"]).drop(f"_ck_{name}", f"_k_{name}")
    values: dict[str, ibis.Value] = {}
    errors: list[ibis.StringValue] = []
    warnings: list[ibis.StringValue] = []
    for f in table.mappable_fields:
        spec = specs.get(f.name)
        if spec is None:
            values[f.name] = ibis.null(f.dtype)
            continue
        country = t[f"_cv_{f.name}"] if f.kind == "country" else None
        # An expression's result is written by the engine, with "." as decimal mark.
        mark = "." if spec.expr is not None else decimal
        parsed = parse_field(f, t[f"_s_{f.name}"], spec, mark, country=country)
        if spec.expr is not None:  # filled input cells must give a value
            inputs = t[f"__exprin__{f.name}"]
            parsed.errors.append(
                _when(
                    inputs.notnull() & t[f"_s_{f.name}"].isnull(),
                    f"{f.name} (expression): no value from columns " + inputs,
                )
            )
        values[f.name] = parsed.value.cast(f.dtype)
        errors += parsed.errors
        warnings += parsed.warnings
    if any(f.name == "hs6" and f.derived for f in table.fields):
        code = values["hs_code"]
        values.update(hs2=code.substr(0, 2), hs4=code.substr(0, 4), hs6=code.substr(0, 6))
        warnings.append(_when(code.notnull() & ~code.substr(0, 6).isin(hs6_reference.hs6), "hs_code:not_in_hs2022"))
    # Messages are joined as text (CONCAT_WS skips NULLs): far cheaper per row than lists.
    t = t.mutate(_errors=ibis.literal(ERROR_SEPARATOR).join([*errors, ibis.null(dt.string)]))
    raw = ibis.struct({c: t[c] for c in source_columns}).cast("json").cast("string")
    return t.select(
        _row=t._row,
        _seq=t._row,
        **values,
        _errors=t._errors,
        _warnings=ibis.literal(",").join([*warnings, ibis.null(dt.string)]),
        # The raw row is kept only where it is needed: rows that go to quarantine.
        _raw=ibis.ifelse(t._errors != "", raw, ibis.null(dt.string)),
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
