"""Mapping files: which source column feeds which canonical field.

```yaml
table: declarations
source: {format: csv, delimiter: ",", encoding: utf-8}   # optional; sniffed when absent
fields:
  declaration_id: Declaration ID                       # a source column, by name
  lodged_at: {column: Date, format: "%Y-%m-%d"}
  fraud: {column: Fraud, map: {1: true, 0: false}}
  item_no: {value: 1}                                  # a constant
  duty_tax_amount: {expr: '"Item Price" * "Tax Rate" / 100'}   # SQL over source columns
```
Without a mapping file, source columns named like canonical fields (case and spacing ignored) are used.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from clearsight.core.errors import UserError
from clearsight.schema import Table, get_table


class MappingError(UserError):
    """A mapping that cannot be applied: refused before anything is written."""


class SourceOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "parquet", "jsonl"] | None = None
    delimiter: str | None = None
    encoding: Literal["utf-8", "latin-1", "utf-16"] | None = None
    header: bool = True
    #: decimal separator of numbers in the file ("," for 1.234,56)
    decimal: Literal[".", ","] = "."


class FieldSpec(BaseModel):
    """How one canonical field is filled: from a column, a constant or an SQL expression."""

    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    value: Any = None
    expr: str | None = None
    format: str | None = None  # strptime format for dates and timestamps
    map: dict[str, Any] | None = None  # source value -> canonical value

    @field_validator("map", mode="before")
    @classmethod
    def keys_as_text(cls, value: Any) -> Any:
        """YAML reads `1: true` with an integer key; the file's cells are text."""
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def one_source(self) -> FieldSpec:
        given = [k for k in ("column", "value", "expr") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of column, value, expr")
        return self


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str
    source: SourceOptions = SourceOptions()
    fields: dict[str, FieldSpec] = {}
    #: where the mapping came from (file path), for messages and lineage
    origin: str = "(canonical column names)"
    text: str = ""

    @property
    def canonical(self) -> Table:
        return get_table(self.table)


def normalise_name(name: str) -> str:
    """Column names match canonical fields ignoring case, spaces, dashes and dots."""
    return re.sub(r"[\s\-.]+", "_", name.strip().lower())


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file; MappingError names the file and the field at fault."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except OSError as exc:
        raise MappingError(f"{path}: cannot read mapping ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or "table" not in data:
        raise MappingError(f"{path}: a mapping needs a 'table' and 'fields'")
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        raise MappingError(f"{path}: 'fields' must map canonical field names to columns")
    data["fields"] = {k: ({"column": v} if isinstance(v, str) else v) for k, v in fields.items()}
    try:
        mapping = Mapping(**data, origin=str(path), text=text)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise MappingError(f"{path}: {where}: {err['msg']}") from None
    try:
        table = mapping.canonical
    except ValueError as exc:
        raise MappingError(f"{path}: {exc}") from None
    if not table.loadable:
        raise MappingError(f"{path}: table {table.name!r} is written by clearsight, not loaded")
    known = {f.name for f in table.mappable_fields}
    for name in mapping.fields:
        if name not in known:
            raise MappingError(
                f"{path}: field {name!r} is not a field of {table.name} (see `clearsight schema {table.name}`)"
            )
    return mapping


def default_mapping(table: Table) -> Mapping:
    return Mapping(table=table.name)


def resolve(mapping: Mapping, columns: list[str], source_name: str) -> tuple[dict[str, FieldSpec], list[str]]:
    """Fill canonical fields from the file's columns; return the field specs and the ignored columns.

    Raises MappingError when a mapping names a column the file does not have, or a required field
    has no source at all: nothing is written in either case.
    """
    table = mapping.canonical
    by_norm = {normalise_name(c): c for c in columns}
    specs: dict[str, FieldSpec] = {}
    used: set[str] = set()
    for f in table.mappable_fields:
        spec = mapping.fields.get(f.name)
        if spec is None and normalise_name(f.name) in by_norm:
            spec = FieldSpec(column=by_norm[normalise_name(f.name)])
        if spec is None:
            continue
        if spec.column is not None:
            if spec.column not in columns:
                hint = by_norm.get(normalise_name(spec.column))
                near = f" (did you mean {hint!r}?)" if hint else ""
                raise MappingError(
                    f"{source_name}: mapping {mapping.origin} names column {spec.column!r} for field "
                    f"{f.name!r}, which the file does not have{near}; columns: {', '.join(columns)}"
                )
            used.add(spec.column)
        if spec.expr is not None:
            used.update(
                c for c in columns if f'"{c}"' in spec.expr or re.search(rf"\b{re.escape(c)}\b", spec.expr)
            )
        specs[f.name] = spec
    missing = [f.name for f in table.fields if f.required and not f.derived and f.name not in specs]
    if missing:
        raise MappingError(
            f"{source_name}: required field(s) {', '.join(missing)} of {table.name} have no source column"
            f" (columns: {', '.join(columns)}); name them in a mapping file (--mapping)"
        )
    ignored = [c for c in columns if c not in used]
    return specs, ignored
