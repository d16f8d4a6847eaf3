"""Request bodies of the API, validated by Pydantic (a bad field gets 422 naming it)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from clearsight.schema.items import real_time_value
from clearsight.schema.tables import DECLARATIONS, MODES, RESULTS

Id = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/:-]*$")
#: Text without control characters (a NUL ends a C string: the engines behind the API cannot store it);
#: free text may keep tabs and line breaks.
NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"
NO_CONTROL_IN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


def code_field(max_length: int, min_length: int = 0):
    """An optional short code or name of at most ``max_length`` characters, without control characters."""
    return Field(default=None, min_length=min_length, max_length=max_length, pattern=NO_CONTROL)

CANONICAL_FIELDS = frozenset(DECLARATIONS.field_names)


def canonical(value: object, info: ValidationInfo) -> object:
    """The field's value as the canonical goods item has it (``clearsight.schema.items``): refused,
    with the ingest gate's reason, where the gate would quarantine it (and for an HS code outside
    HS 2022). Pydantic's own constraints above are the API's contract (JSON types, ISO codes)."""
    if value is None or info.field_name not in CANONICAL_FIELDS:
        return value
    checked = real_time_value(DECLARATIONS.field(info.field_name), value)
    if checked.errors:
        raise ValueError(checked.errors[0])
    return checked.value


Amount = Field(default=None, ge=0, le=1e13)
Country = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2")


class ItemIn(BaseModel):
    """One goods item, canonical field names (see ``clearsight schema declarations``)."""

    model_config = ConfigDict(extra="forbid")

    item_no: int = Field(ge=1, le=9999)
    hs_code: str = Field(pattern=r"^[0-9]{6,10}$", description="6 to 10 digits")
    country_of_origin: str = Country
    customs_value: float = Field(ge=0, le=1e13)
    goods_description: str | None = Field(default=None, max_length=512, pattern=NO_CONTROL_IN_TEXT)
    quantity: float | None = Amount
    quantity_unit: str | None = code_field(16)
    net_mass_kg: float | None = Amount
    gross_mass_kg: float | None = Amount
    invoice_amount: float | None = Amount
    invoice_currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    duty_rate: float | None = Field(default=None, ge=0, le=1000)
    duty_tax_amount: float | None = Amount
    preference_code: str | None = code_field(16)

    _canonical = field_validator("*")(canonical)


class DeclarationIn(BaseModel):
    """A declaration to score: header fields and its goods items."""

    model_config = ConfigDict(extra="forbid")

    declaration_id: str = Id
    office_id: str = Id
    declarant_id: str = Id
    importer_id: str = Id
    lodged_at: dt.datetime | None = None
    procedure_code: str | None = code_field(16)
    declaration_type: str | None = code_field(16)
    mode_of_transport: Literal[MODES] | None = None  # type: ignore[valid-type]
    seller_id: str | None = code_field(64, min_length=1)
    carrier_id: str | None = code_field(64, min_length=1)
    country_of_export: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    aeo_status: bool | None = None
    items: list[ItemIn] = Field(min_length=1, max_length=999)

    _canonical = field_validator("*")(canonical)

    @field_validator("lodged_at")
    @classmethod
    def _plain_time(cls, value: dt.datetime | None) -> dt.datetime | None:
        """UTC without a zone, to the second, within years the warehouse can hold."""
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        if not 1900 <= value.year <= 2200:
            raise ValueError("must be a date between the years 1900 and 2200")
        return value.replace(microsecond=0)

    @field_validator("items")
    @classmethod
    def _distinct_items(cls, items: list[ItemIn]) -> list[ItemIn]:
        seen = [i.item_no for i in items]
        if len(seen) != len(set(seen)):
            raise ValueError("each item_no must appear once")
        return items


class ItemScore(BaseModel):
    item_no: int
    score: float
    fraud_probability: float
    expected_revenue: float
    lane: Literal["green", "yellow", "red", "blue"]
    reasons: list[str]
    selected_by: Literal["none", "rule", "random", "model"] = Field(
        description="who selected the lane: the strictest of the lanes proposed by the rule profiles hit, "
        "the random control and the model wins; when several propose it, the random control is named "
        "first, then a rule, then the model; none: green, proposed by nobody"
    )
    random_control: bool
    rules_hit: list[str] = Field(
        description="names of every rule profile the item matched, also those a stricter lane outranked"
    )
    threshold: float | None = Field(
        description="the office's model threshold for the lane the model selected (its score reached it); "
        "null when the model did not select the lane"
    )
    why: str = Field(description="who selected the lane and what the others proposed, in one sentence for the officer")


class ScoreOut(BaseModel):
    declaration_id: str
    model_version: str
    items: list[ItemScore]


class InspectionIn(BaseModel):
    """An inspection result recorded by an officer."""

    model_config = ConfigDict(extra="forbid")

    declaration_id: str = Id
    item_no: int = Field(ge=1, le=9999)
    result: Literal[RESULTS]  # type: ignore[valid-type]
    method: str | None = code_field(32)
    fraud_type: str | None = code_field(32)
    additional_revenue: float | None = Amount
    lane: Literal["green", "yellow", "red", "blue"] | None = None


def reason_type(action: str, kept_with: str):
    """A required reason, trimmed, of at least three characters: why ``action`` (kept with
    ``kept_with`` and in the audit log)."""

    def said(value: str) -> str:
        if len(value.strip()) < 3:
            raise ValueError(f"say why {action} (at least 3 characters)")
        return value.strip()

    field = Field(min_length=3, max_length=500, pattern=NO_CONTROL_IN_TEXT,
                  description=f"why {action} (kept with {kept_with} and in the audit log)")
    return Annotated[str, field, AfterValidator(said)]


CorrectionReason = reason_type("the result is corrected", "the entry")
LaneReason = reason_type("the lane is changed", "the decision")


class LaneChangeIn(BaseModel):
    """An officer's change of the lane the system decided for one goods item, with the reason."""

    model_config = ConfigDict(extra="forbid")

    lane: Literal["green", "yellow", "red", "blue"]
    reason: LaneReason


class CorrectionIn(BaseModel):
    """A correction of an inspection result already recorded: a new entry that supersedes it."""

    model_config = ConfigDict(extra="forbid")

    result: Literal[RESULTS]  # type: ignore[valid-type]
    reason: CorrectionReason
    supersedes: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="batch of the entry corrected; may be left out when the item has one result in force",
    )
    method: str | None = code_field(32)
    fraud_type: str | None = code_field(32)
    additional_revenue: float | None = Amount
    lane: Literal["green", "yellow", "red", "blue"] | None = None


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
