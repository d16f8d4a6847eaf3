"""The same rules, one declaration at a time, in plain Python.

A batch runs the rules as one Ibis expression in the warehouse. The real-time decider sees one
declaration per call and must answer in well under a millisecond, which a SQL engine cannot: even
DuckDB in memory spends 1.5 to 3 ms planning the query for a single row. So each rule is also
compiled, once, into Python closures over a row (a dict of canonical fields) with SQL's rules: NULL
propagates through comparisons and arithmetic, AND / OR / NOT use three-valued logic, a NULL result
is no hit. The tests hold both compilations to the same answers on real declarations.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
from collections.abc import Callable
from typing import Any

import sqlglot
from sqlglot import exp

from clearsight.rules.profiles import CASTS, VALUE_LISTS, Rule, RuleSet, strictest

Row = dict[str, Any]
Fn = Callable[[Row], Any]


def _null_safe(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        a, b = _comparable(a, b)
        return op(a, b)

    return apply


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    # SQL compares a timestamp with a date at midnight; Python refuses to.
    if isinstance(a, dt.datetime) and type(b) is dt.date:
        return a, dt.datetime.combine(b, dt.time())
    if isinstance(b, dt.datetime) and type(a) is dt.date:
        return dt.datetime.combine(a, dt.time()), b
    return a, b


def _divide(a: float, b: float) -> float:
    if b == 0:  # IEEE division, as the warehouse computes it for doubles
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
    return a / b


def _modulo(a: float, b: float) -> float | None:
    if b == 0:
        return None
    result = math.fmod(a, b)  # SQL's remainder keeps the sign of the dividend
    return int(result) if isinstance(a, int) and isinstance(b, int) else result


def _round(x: float, digits: int) -> float:
    # SQL rounds half away from zero; Python's round() rounds half to even.
    scale = 10.0**digits
    return math.copysign(math.floor(abs(x) * scale + 0.5) / scale, x)


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    exp.EQ: _null_safe(operator.eq),
    exp.NEQ: _null_safe(operator.ne),
    exp.GT: _null_safe(operator.gt),
    exp.GTE: _null_safe(operator.ge),
    exp.LT: _null_safe(operator.lt),
    exp.LTE: _null_safe(operator.le),
    exp.Add: _null_safe(operator.add),
    exp.Sub: _null_safe(operator.sub),
    exp.Mul: _null_safe(operator.mul),
    exp.Div: _null_safe(_divide),
    exp.Mod: _null_safe(_modulo),
}


def _and(values: list[Any]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(values: list[Any]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _like(pattern: str, ignore_case: bool) -> Callable[[Any], bool | None]:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    compiled = re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))
    return lambda v: None if v is None else compiled.fullmatch(v) is not None


def _cast(kind: str) -> Callable[[Any], Any]:
    def cast(v: Any) -> Any:
        if v is None:
            return None
        if kind == "float64":
            return float(v)
        if kind == "int64":
            return round(v) if isinstance(v, float) else int(v)  # doubles round half to even, as in DuckDB
        if kind == "string":
            return str(v)
        if kind == "boolean":
            return bool(v)
        if kind == "date":
            return v.date() if isinstance(v, dt.datetime) else dt.date.fromisoformat(str(v))
        return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))

    return cast


class _Compiler:
    """sqlglot expression -> closure over a row (the rules module has already refused the rest)."""

    def fn(self, node: exp.Expression) -> Fn:
        inner = self._fn(node)
        if node.args.get("negate"):
            return lambda row: _not(inner(row))
        return inner

    def _fn(self, node: exp.Expression) -> Fn:
        if isinstance(node, exp.Paren):
            return self.fn(node.this)
        if isinstance(node, exp.Column):
            name = node.name.lower()
            return lambda row: row.get(name)
        if isinstance(node, exp.Literal):
            if node.is_string:
                value: Any = node.this
            else:
                number = float(node.this)
                value = int(number) if number.is_integer() and "." not in node.this else number
            return lambda row: value
        if isinstance(node, exp.Boolean):
            flag = bool(node.this)
            return lambda row: flag
        if isinstance(node, exp.Null):
            return lambda row: None
        if isinstance(node, exp.And | exp.Or):
            left, right = self.fn(node.this), self.fn(node.expression)
            combine = _and if isinstance(node, exp.And) else _or
            return lambda row: combine([left(row), right(row)])
        if isinstance(node, exp.Not):
            inner = self.fn(node.this)
            return lambda row: _not(inner(row))
        if isinstance(node, exp.Neg):
            inner = self.fn(node.this)
            return lambda row: None if (v := inner(row)) is None else -v
        if isinstance(node, exp.Is):
            inner = self.fn(node.this)
            return lambda row: inner(row) is None
        if type(node) in _BINARY:
            op, left, right = _BINARY[type(node)], self.fn(node.this), self.fn(node.expression)
            return lambda row: op(left(row), right(row))
        if isinstance(node, exp.In):
            probe, options = self.fn(node.this), [self.fn(v) for v in node.expressions]
            return lambda row: _in(probe(row), [o(row) for o in options])
        if isinstance(node, exp.Between):
            value, low, high = self.fn(node.this), self.fn(node.args["low"]), self.fn(node.args["high"])
            ge, le = _BINARY[exp.GTE], _BINARY[exp.LTE]
            return lambda row: _and([ge(value(row), low(row)), le(value(row), high(row))])
        if isinstance(node, exp.Like | exp.ILike):
            value, match = self.fn(node.this), _like(node.expression.this, isinstance(node, exp.ILike))
            return lambda row: match(value(row))
        if isinstance(node, exp.Cast):
            target = node.to.this.name if hasattr(node.to.this, "name") else str(node.to.this)
            value, cast = self.fn(node.this), _cast(CASTS[target.upper()])
            return lambda row: cast(value(row))
        return self._function(node)

    def _function(self, node: exp.Expression) -> Fn:
        if isinstance(node, exp.Coalesce):
            parts = [self.fn(node.this), *(self.fn(e) for e in node.expressions)]
            return lambda row: next((v for p in parts if (v := p(row)) is not None), None)
        if isinstance(node, exp.Substring):
            value = self.fn(node.this)
            start = int(node.args["start"].this) - 1
            length = node.args.get("length")
            stop = None if length is None else start + int(length.this)
            return lambda row: None if (v := value(row)) is None else v[start:stop]
        if isinstance(node, exp.Round):
            value = self.fn(node.this)
            digits = int(node.args["decimals"].this) if node.args.get("decimals") else 0
            return lambda row: None if (v := value(row)) is None else _round(v, digits)
        simple: dict[type, Callable[[Any], Any]] = {
            exp.Lower: str.lower,
            exp.Upper: str.upper,
            exp.Length: len,
            exp.Trim: str.strip,
            exp.Abs: abs,
        }
        apply, value = simple[type(node)], self.fn(node.this)
        return lambda row: None if (v := value(row)) is None else apply(v)


def _not(v: Any) -> bool | None:
    return None if v is None else not v


def _in(value: Any, options: list[Any]) -> bool | None:
    if value is None:
        return None
    if any(value == o for o in options if o is not None):
        return True
    return None if any(o is None for o in options) else False


def condition_fn(sql: str) -> Fn:
    """A checked SQL condition (see :func:`clearsight.rules.profiles.check_condition`) as a closure."""
    return _Compiler().fn(sqlglot.parse_one(sql, dialect="duckdb"))


def rule_fn(rule: Rule) -> Callable[[Row], bool]:
    """True for a row (canonical fields, ``lodged_at`` a datetime) the rule hits: the same answer as
    :func:`clearsight.rules.profiles.rule_predicate` gives in the warehouse."""
    parts: list[Fn] = []
    if rule.hs_codes:
        prefixes = tuple(rule.hs_codes)
        parts.append(lambda row: None if (h := row.get("hs_code")) is None else h.startswith(prefixes))
    for field, column in VALUE_LISTS.items():
        values = frozenset(getattr(rule, field))
        if values:
            parts.append(lambda row, c=column, vs=values: None if (v := row.get(c)) is None else v in vs)
    ge, le = _BINARY[exp.GTE], _BINARY[exp.LTE]
    if rule.min_customs_value is not None:
        parts.append(lambda row, x=rule.min_customs_value: ge(row.get("customs_value"), x))
    if rule.max_customs_value is not None:
        parts.append(lambda row, x=rule.max_customs_value: le(row.get("customs_value"), x))
    if rule.min_unit_value is not None:
        parts.append(lambda row, x=rule.min_unit_value: ge(_unit_value(row), x))
    if rule.max_unit_value is not None:
        parts.append(lambda row, x=rule.max_unit_value: le(_unit_value(row), x))
    if rule.condition:
        parts.append(condition_fn(rule.condition))
    if rule.valid_from is not None:
        start = dt.datetime.combine(rule.valid_from, dt.time())
        parts.append(lambda row: ge(row.get("lodged_at"), start))
    if rule.valid_to is not None:
        end = dt.datetime.combine(rule.valid_to + dt.timedelta(days=1), dt.time())
        parts.append(lambda row: _BINARY[exp.LT](row.get("lodged_at"), end))
    return lambda row: _and([p(row) for p in parts]) is True


def _unit_value(row: Row) -> float | None:
    value, mass = row.get("customs_value"), row.get("net_mass_kg")
    if value is None or mass is None or mass <= 0:
        return None
    return value / mass


class RowRules:
    """A rule set compiled for single rows: the rules a row hits and the strictest of their lanes."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules.rules
        self._fns = [rule_fn(r) for r in self.rules]

    def __len__(self) -> int:
        return len(self.rules)

    def hits(self, row: Row) -> list[str]:
        return [r.name for r, fn in zip(self.rules, self._fns, strict=True) if fn(row)]

    def lane(self, names: list[str]) -> str | None:
        """The strictest lane among the rules named (None when there are none)."""
        lanes = [r.lane for r in self.rules if r.name in names]
        return strictest(lanes) if lanes else None
