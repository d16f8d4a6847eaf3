"""Rule profiles: what an analyst knows before any model does, written as criteria and a lane.

A rule names the goods items it targets — HS code prefixes, countries of origin or export, importers,
declarants, offices, modes of transport, customs value or unit value thresholds, or any SQL condition
over the canonical declaration fields — and the lane they ask for (red, yellow, blue or green), for a
validity window, with an owner and a reason (WTO TFA Art. 7.4: criteria that are stated, reviewed and
retired when they stop finding anything).

A rule can raise an item's lane, never lower it: the strictest lane among rules, the random control
and the model wins (:mod:`clearsight.selectivity.lanes`), so a green rule records its hit and keeps an
item green only when nothing stricter selects it.

A rule is checked once, when it is entered (:class:`Rule`); every enabled rule valid on the items'
dates is then compiled into one Ibis expression (:class:`RuleSet`), so the same rules run in the
warehouse (DuckDB, Spark) for a batch and on one declaration in memory for the real-time decider.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, reduce
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import sqlglot
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlglot import exp

from clearsight.core.errors import UserError
from clearsight.core.yaml_text import parse_yaml
from clearsight.schema.tables import DECLARATIONS, LANES, MODES

#: Lanes from the least to the most strict: a rule hit sends the item to the strictest lane hit.
STRICTNESS = ("green", "blue", "yellow", "red")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: List criteria matched against one declaration field each: criterion -> field.
VALUE_LISTS = {
    "countries_of_origin": "country_of_origin",
    "countries_of_export": "country_of_export",
    "importers": "importer_id",
    "declarants": "declarant_id",
    "offices": "office_id",
    "modes_of_transport": "mode_of_transport",
}
#: Criteria (all given criteria must hold; a list matches any of its values).
CRITERIA = (
    "hs_codes",
    *VALUE_LISTS,
    "min_customs_value",
    "max_customs_value",
    "min_unit_value",
    "max_unit_value",
    "condition",
)
#: Functions a rule condition may call (SQL name -> arity check and Ibis translation below).
FUNCTIONS = ("lower", "upper", "length", "trim", "substr", "substring", "coalesce", "abs", "round")


class Rule(BaseModel):
    """One rule profile as an analyst writes it (YAML or command-line flags)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(description="unique name, 1-64 letters, digits, '.', '_' or '-'")
    lane: str = Field(description="lane the items hit go to: red, yellow, blue or green")
    reason: str = Field(description="why the rule exists (shown to officers and in reports)")
    owner: str = Field("", description="who answers for the rule")
    valid_from: dt.date | None = Field(None, description="first day the rule applies (lodgement date)")
    valid_to: dt.date | None = Field(None, description="last day the rule applies (inclusive)")
    enabled: bool = True
    hs_codes: list[str] = Field(default_factory=list, description="HS code prefixes, 2 to 10 digits")
    countries_of_origin: list[str] = Field(default_factory=list, description="ISO alpha-2 codes")
    countries_of_export: list[str] = Field(default_factory=list, description="ISO alpha-2 codes")
    importers: list[str] = Field(default_factory=list, description="importer_id values")
    declarants: list[str] = Field(default_factory=list, description="declarant_id values")
    offices: list[str] = Field(default_factory=list, description="office_id values")
    modes_of_transport: list[str] = Field(default_factory=list, description=f"any of {', '.join(MODES)}")
    min_customs_value: float | None = Field(None, description="customs value at least this")
    max_customs_value: float | None = Field(None, description="customs value at most this")
    min_unit_value: float | None = Field(None, description="customs value per kg net mass at least this")
    max_unit_value: float | None = Field(None, description="customs value per kg net mass at most this")
    condition: str | None = Field(None, description="SQL condition over canonical declaration fields")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        return value

    @field_validator("lane")
    @classmethod
    def _lane(cls, value: str) -> str:
        value = value.lower()
        if value not in LANES:
            raise ValueError(f"unknown lane {value!r}; lanes: {', '.join(STRICTNESS[::-1])}")
        return value

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value:
            raise ValueError("a rule needs a reason (officers and reviewers read it)")
        return value

    @field_validator("hs_codes", *VALUE_LISTS, mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        # "CN, VN" on a command line or in YAML means the list [CN, VN].
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            return [str(v).strip() for v in value]
        return value

    @field_validator("hs_codes")
    @classmethod
    def _hs(cls, values: list[str]) -> list[str]:
        cleaned = [re.sub(r"[.\s]", "", v) for v in values]
        bad = [v for v in cleaned if not re.fullmatch(r"\d{2,10}", v)]
        if bad:
            raise ValueError(f"HS code prefixes are 2 to 10 digits, not {', '.join(map(repr, bad))}")
        return cleaned

    @field_validator("countries_of_origin", "countries_of_export")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        import pycountry  # when a rule is checked, not when the portal starts

        upper = [v.upper() for v in values]
        bad = [v for v in upper if len(v) != 2 or pycountry.countries.get(alpha_2=v) is None]
        if bad:
            raise ValueError(f"not ISO 3166 alpha-2 country codes: {', '.join(map(repr, bad))}")
        return upper

    @field_validator("modes_of_transport")
    @classmethod
    def _modes(cls, values: list[str]) -> list[str]:
        lower = [v.lower() for v in values]
        bad = [v for v in lower if v not in MODES]
        if bad:
            raise ValueError(f"unknown mode(s) {', '.join(map(repr, bad))}; modes: {', '.join(MODES)}")
        return lower

    @field_validator("condition")
    @classmethod
    def _condition(cls, value: str | None) -> str | None:
        if value:
            check_condition(value)
        return value or None

    @model_validator(mode="after")
    def _whole(self) -> Rule:
        if not any(getattr(self, c) not in (None, []) for c in CRITERIA):
            raise ValueError(f"a rule needs at least one criterion ({', '.join(CRITERIA)})")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to ({self.valid_to}) is before valid_from ({self.valid_from})")
        for low, high in (("min_customs_value", "max_customs_value"), ("min_unit_value", "max_unit_value")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and hi < lo:
                raise ValueError(f"{high} ({hi:g}) is below {low} ({lo:g})")
        return self

    @property
    def criteria(self) -> dict[str, Any]:
        """The criteria the rule sets (what it targets), without its bookkeeping fields."""
        return {c: getattr(self, c) for c in CRITERIA if getattr(self, c) not in (None, [])}

    def valid_on(self, start: dt.date, end: dt.date) -> bool:
        """Whether the rule's validity window meets the days ``start`` .. ``end`` (inclusive)."""
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_to is None or self.valid_to >= start
        )

    def describe(self) -> str:
        """The criteria in words, for listings and reports."""
        parts = []
        for name, value in self.criteria.items():
            shown = (
                ", ".join(value)
                if isinstance(value, list)
                else f"{value:g}"
                if isinstance(value, float)
                else value
            )
            parts.append(f"{name.replace('_', ' ')}: {shown}")
        return "; ".join(parts)


RULE_FIELDS = tuple(Rule.model_fields)


def strictest(lanes: Iterable[str]) -> str:
    """The strictest of some lanes (red > yellow > blue > green)."""
    return max(lanes, key=STRICTNESS.index)


def rule_of(values: dict[str, Any], where: str = "rule") -> Rule:
    """A checked rule, or one UserError naming ``where``, the field and what is wrong."""
    try:
        return Rule(**values)
    except ValidationError as exc:
        raise UserError(f"{where}: {_validation_message(exc)}") from None


def _validation_message(exc: ValidationError) -> str:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
    if err["type"] == "extra_forbidden":
        return f"unknown field {field!r}; a rule has the fields: {', '.join(RULE_FIELDS)}"
    if err["type"] == "missing":
        return f"{field} is missing (a rule needs name, lane and reason)"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"].startswith("date") or err["type"].startswith("datetime"):
        message = f"{err.get('input')!r} is not a date (write YYYY-MM-DD)"
    return f"{field}: {message}" if field else message


# -- YAML files ---------------------------------------------------------------------------------------
def load_rule_file(path: Path) -> list[Rule]:
    """Every rule of a YAML file (one mapping, a list of them, or ``rules:`` holding a list).

    Any problem — the file does not parse, a rule is wrong, two rules share a name — raises one
    UserError naming the file and line, so a file is accepted whole or not at all.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    data, node = parse_yaml(text, str(path))
    if isinstance(data, dict) and set(data) == {"rules"}:
        data, node = data["rules"], node.value[0][1]
    if isinstance(data, dict):
        data, nodes = [data], [node]
    elif isinstance(data, list):
        nodes = list(node.value)
    else:
        raise UserError(
            f"{path}: expected a rule (a mapping) or a list of rules, found {type(data).__name__}"
        )
    rules: list[Rule] = []
    for values, item in zip(data, nodes, strict=True):
        where = f"{path} line {item.start_mark.line + 1}"
        if not isinstance(values, dict):
            raise UserError(f"{where}: a rule is a mapping of fields, not {type(values).__name__}")
        rule = rule_of(values, f"{where} (rule {values.get('name', '?')!r})")
        if any(r.name == rule.name for r in rules):
            raise UserError(f"{where}: a second rule called {rule.name!r} in the same file")
        rules.append(rule)
    if not rules:
        raise UserError(f"{path}: holds no rules")
    return rules


# -- SQL conditions -----------------------------------------------------------------------------------
@cache
def declarations_schema() -> ibis.Schema:
    """The canonical declarations fields a rule may read (no lineage columns)."""
    return ibis.schema({f.name: f.dtype for f in DECLARATIONS.fields})


class ConditionError(ValueError):
    """A rule condition that cannot be compiled against the declarations schema."""


def check_condition(sql: str) -> None:
    """Raise ConditionError saying what is wrong with ``sql``; compiles it as the warehouse would."""
    table = ibis.table(declarations_schema(), name="declarations")
    value = condition_expr(table, sql)
    try:
        ibis.to_sql(table.filter(value), dialect="duckdb")
    except Exception as exc:  # the compiler's own words are the useful part
        raise ConditionError(f"{sql!r} does not compile: {exc}") from None


def condition_expr(table: ir.Table, sql: str) -> ir.BooleanValue:
    """The Ibis boolean expression of a SQL condition over ``table``'s declaration fields.

    The condition is parsed with sqlglot and translated node by node, so only row-level SQL is
    accepted (no sub-queries, no other tables) and it runs on every Ibis backend alike.
    """
    try:
        parsed = sqlglot.parse(sql, dialect="duckdb")
    except sqlglot.errors.ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        near = first.get("highlight") or ""
        where = f" near {near!r} (column {first.get('col')})" if near else ""
        raise ConditionError(f"{sql!r} is not valid SQL{where}") from None
    except sqlglot.errors.TokenError:
        raise ConditionError(f"{sql!r} is not valid SQL (an unclosed quote?)") from None
    if len(parsed) != 1 or parsed[0] is None:
        raise ConditionError(f"{sql!r} must be one SQL condition (no ';')")
    value = _Translator(table).value(parsed[0])
    if not value.type().is_boolean():
        raise ConditionError(f"{sql!r} gives a {value.type()}, not true/false")
    return value


_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    exp.EQ: operator.eq,
    exp.NEQ: operator.ne,
    exp.GT: operator.gt,
    exp.GTE: operator.ge,
    exp.LT: operator.lt,
    exp.LTE: operator.le,
    exp.Add: operator.add,
    exp.Sub: operator.sub,
    exp.Mul: operator.mul,
    exp.Div: operator.truediv,
    exp.Mod: operator.mod,
}
CASTS = {
    "DOUBLE": "float64",
    "FLOAT": "float64",
    "DECIMAL": "float64",
    "INT": "int64",
    "BIGINT": "int64",
    "VARCHAR": "string",
    "TEXT": "string",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMPNTZ": "timestamp",  # how sqlglot names a plain TIMESTAMP
    "BOOLEAN": "boolean",
}


class _Translator:
    """sqlglot expression -> Ibis expression over one table; anything else is refused by name."""

    def __init__(self, table: ir.Table) -> None:
        self.table = table

    def value(self, node: exp.Expression) -> ir.Value:
        try:
            out = self._value(node)
        except ConditionError:
            raise
        except Exception as exc:  # Ibis says which operand types do not fit
            raise ConditionError(f"{node.sql(dialect='duckdb')!r}: {exc}") from None
        if node.args.get("negate"):  # sqlglot writes NOT LIKE / NOT ILIKE as negate=True
            out = ~out
        return out

    def _value(self, node: exp.Expression) -> ir.Value:
        if isinstance(node, exp.Paren):
            return self.value(node.this)
        if isinstance(node, exp.Column):
            if node.table:
                raise ConditionError(f"write {node.name!r} without a table prefix ({node.sql()!r})")
            name = node.name.lower()
            if name not in declarations_schema():
                raise ConditionError(
                    f"unknown field {node.name!r}; the declaration fields are: {', '.join(declarations_schema())}"
                )
            return self.table[name]
        if isinstance(node, exp.Literal):
            if node.is_string:
                return ibis.literal(node.this)
            number = float(node.this)
            return ibis.literal(int(number) if number.is_integer() and "." not in node.this else number)
        if isinstance(node, exp.Boolean):
            return ibis.literal(bool(node.this))
        if isinstance(node, exp.Null):
            return ibis.null()
        if isinstance(node, exp.And):
            return self.value(node.this) & self.value(node.expression)
        if isinstance(node, exp.Or):
            return self.value(node.this) | self.value(node.expression)
        if isinstance(node, exp.Not):
            return ~self.value(node.this)
        if isinstance(node, exp.Neg):
            return -self.value(node.this)
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise ConditionError(f"IS works with NULL only ({node.sql()!r})")
            return self.value(node.this).isnull()
        if type(node) in _COMPARE:
            return _COMPARE[type(node)](self.value(node.this), self.value(node.expression))
        if isinstance(node, exp.In):
            if node.args.get("query") is not None:
                raise ConditionError("a rule condition cannot hold a sub-query")
            return self.value(node.this).isin([self.value(v) for v in node.expressions])
        if isinstance(node, exp.Between):
            return self.value(node.this).between(self.value(node.args["low"]), self.value(node.args["high"]))
        if isinstance(node, exp.Like | exp.ILike):
            pattern = node.expression
            if not (isinstance(pattern, exp.Literal) and pattern.is_string):
                raise ConditionError(f"LIKE needs a quoted pattern ({node.sql()!r})")
            column = self.value(node.this)
            return column.ilike(pattern.this) if isinstance(node, exp.ILike) else column.like(pattern.this)
        if isinstance(node, exp.Cast):
            return self._cast(node)
        return self._function(node)

    def _cast(self, node: exp.Cast) -> ir.Value:
        target = node.to.this.name if hasattr(node.to.this, "name") else str(node.to.this)
        kind = CASTS.get(target.upper())
        if kind is None:
            raise ConditionError(f"cannot cast to {target}; use one of {', '.join(c for c in CASTS if 'NTZ' not in c)}")
        inner = node.this
        if isinstance(inner, exp.Literal) and inner.is_string and kind in ("date", "timestamp"):
            try:
                moment = dt.datetime.fromisoformat(inner.this)
            except ValueError:
                raise ConditionError(f"{inner.this!r} is not a date (write YYYY-MM-DD)") from None
            return ibis.date(moment.date()) if kind == "date" else ibis.timestamp(moment)
        return self.value(inner).cast(kind)

    def _function(self, node: exp.Expression) -> ir.Value:
        if isinstance(node, exp.Subquery | exp.Select | exp.Exists):
            raise ConditionError("a rule condition cannot hold a sub-query")
        simple = {
            exp.Lower: lambda a: a.lower(),
            exp.Upper: lambda a: a.upper(),
            exp.Length: lambda a: a.length(),
            exp.Trim: lambda a: a.strip(),
            exp.Abs: lambda a: a.abs(),
        }
        if not isinstance(node, (*simple, exp.Coalesce, exp.Round, exp.Substring)):
            what = str(node.this) if isinstance(node, exp.Anonymous) else node.key.upper()
            raise ConditionError(
                f"{what} is not supported in a rule condition; use comparisons, AND/OR/NOT, IN, BETWEEN, "
                f"LIKE, IS NULL, arithmetic, CAST and the functions {', '.join(FUNCTIONS)}"
            )
        args = [self.value(a) for a in _arguments(node)]
        if type(node) in simple and len(args) == 1:
            return simple[type(node)](args[0])
        if isinstance(node, exp.Coalesce) and args:
            return ibis.coalesce(*args)
        if isinstance(node, exp.Round) and args:
            return args[0].round(int(node.args["decimals"].this) if node.args.get("decimals") else 0)
        if isinstance(node, exp.Substring) and len(args) in (2, 3):
            start, length = node.args.get("start"), node.args.get("length")
            if not _whole_number(start, 1) or (length is not None and not _whole_number(length, 0)):
                raise ConditionError(
                    f"{node.sql(dialect='duckdb')!r}: substr takes a whole number start (1 = first character) "
                    "and length"
                )
            # SQL counts from 1, Ibis from 0.
            first = int(start.this) - 1
            return args[0].substr(first, int(length.this)) if length is not None else args[0].substr(first)
        raise ConditionError(f"{node.sql(dialect='duckdb')!r}: wrong number of arguments")


def _whole_number(node: exp.Expression | None, least: int) -> bool:
    return (
        isinstance(node, exp.Literal)
        and not node.is_string
        and node.this.isdigit()
        and int(node.this) >= least
    )


def _arguments(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Substring):
        return [a for a in (node.this, node.args.get("start"), node.args.get("length")) if a is not None]
    if isinstance(node, exp.Round):
        return [node.this]
    if isinstance(node, exp.Func):
        return [node.this, *node.expressions] if node.this is not None else list(node.expressions)
    return []


# -- compiling a rule set -----------------------------------------------------------------------------
def rule_predicate(rule: Rule, t: ir.Table) -> ir.BooleanValue:
    """True for the items of ``t`` the rule hits (its validity window included; NULL counts as no hit)."""
    parts: list[ir.BooleanValue] = []
    if rule.hs_codes:
        parts.append(reduce(operator.or_, [t.hs_code.startswith(p) for p in rule.hs_codes]))
    for field, column in VALUE_LISTS.items():
        values = getattr(rule, field)
        if values:
            parts.append(t[column].isin(values))
    if rule.min_customs_value is not None:
        parts.append(t.customs_value >= rule.min_customs_value)
    if rule.max_customs_value is not None:
        parts.append(t.customs_value <= rule.max_customs_value)
    if rule.min_unit_value is not None or rule.max_unit_value is not None:
        unit_value = ibis.ifelse(t.net_mass_kg > 0, t.customs_value / t.net_mass_kg, ibis.null("float64"))
        if rule.min_unit_value is not None:
            parts.append(unit_value >= rule.min_unit_value)
        if rule.max_unit_value is not None:
            parts.append(unit_value <= rule.max_unit_value)
    if rule.condition:
        parts.append(condition_expr(t, rule.condition))
    if rule.valid_from is not None:
        parts.append(t.lodged_at >= ibis.timestamp(dt.datetime.combine(rule.valid_from, dt.time())))
    if rule.valid_to is not None:
        end = dt.datetime.combine(rule.valid_to + dt.timedelta(days=1), dt.time())
        parts.append(t.lodged_at < ibis.timestamp(end))
    return reduce(operator.and_, parts).fill_null(False)


@dataclass
class RuleHits:
    """Per item: the names of the rules it hits and the strictest of their lanes."""

    rules_hit: pa.Array  # list<string>
    rule_lane: np.ndarray  # lane code (index into LANES), -1 when no rule hits
    matrix: np.ndarray  # items × rules, bool

    @property
    def any(self) -> np.ndarray:
        return self.rule_lane >= 0


class RuleSet:
    """Rules compiled together: one boolean column per rule, added to any table of declarations."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = [r for r in rules if r.enabled]
        self.columns = [f"_rule_{i}" for i in range(len(self.rules))]
        # strictness rank of each rule's lane, and that rank's lane code
        self._rank = np.array([STRICTNESS.index(r.lane) for r in self.rules], dtype=np.int8)
        self._lane_of_rank = np.array([LANES.index(lane) for lane in STRICTNESS], dtype=np.int8)

    def __len__(self) -> int:
        return len(self.rules)

    def applying(self, start: dt.date, end: dt.date) -> RuleSet:
        """The rules valid on some day from ``start`` to ``end`` (inclusive)."""
        return RuleSet(r for r in self.rules if r.valid_on(start, end))

    def annotate(self, t: ir.Table) -> ir.Table:
        """``t`` with one boolean column per rule (``_rule_0``, ...): one expression, any backend."""
        if not self.rules:
            return t
        return t.mutate(**{c: rule_predicate(r, t) for c, r in zip(self.columns, self.rules, strict=True)})

    def hits(self, annotated: pa.Table) -> RuleHits:
        """Rule names and strictest lane per row of an executed :meth:`annotate` result."""
        n, k = annotated.num_rows, len(self.rules)
        if k == 0:
            empty = pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, np.int32)), pa.array([], pa.string()))
            return RuleHits(empty, np.full(n, -1, np.int8), np.zeros((n, 0), dtype=bool))
        matrix = np.column_stack(
            [annotated[c].to_numpy(zero_copy_only=False).astype(bool) for c in self.columns]
        )
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(matrix.sum(axis=1), out=offsets[1:])
        names = pa.array([r.name for r in self.rules], pa.string())
        values = names.take(pa.array(np.nonzero(matrix)[1]))  # row-major: each row's hits in rule order
        rank = np.where(matrix, self._rank, -1).max(axis=1)
        lane = np.where(rank >= 0, self._lane_of_rank[np.maximum(rank, 0)], -1).astype(np.int8)
        return RuleHits(pa.ListArray.from_arrays(pa.array(offsets), values), lane, matrix)

    def evaluate(self, t: ir.Table, order_by: list[str] | None = None) -> tuple[pa.Table, RuleHits]:
        """Execute ``t`` with the rule columns (sorted by ``order_by``): its rows and their hits."""
        annotated = self.annotate(t)
        if order_by:
            annotated = annotated.order_by(order_by)
        result = annotated.to_pyarrow()
        hits = self.hits(result)
        return result.drop_columns(self.columns), hits
