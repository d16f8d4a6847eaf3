"""The selection policy: budgets and rates an analyst sets, checked once, used by every decision."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from clearsight.core.errors import UserError
from clearsight.risk import CRITICAL_WEIGHT


class SelectionPolicy(BaseModel):
    """Shares are of the items lodged at each office in the batch being decided (0.05 = 5 %).

    ``red_budget`` caps physical inspections; the random control and the exploration share are
    taken out of it, so the total never exceeds what the office can inspect. Items a rule sends
    to a lane go there whatever the budget (rules are mandatory), and count against it.

    ``critical_weight`` (λ) combines revenue and security in one ranking: an item's priority is its
    fraud or revenue score + λ × P(critical) × the value of a typical fraud, so a missed prohibited
    or security item costs λ typical frauds (0: the fraud ranking alone).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    red_budget: float = Field(0.05, description="maximum share of items sent to physical inspection")
    yellow_budget: float = Field(0.10, description="maximum share sent to a documentary check")
    blue_budget: float = Field(0.0, description="share released now and marked for post-clearance audit")
    random_rate: float = Field(0.005, description="minimum share inspected at random (unbiased labels)")
    explore_share: float = Field(0.0, description="share of the red budget given to exploration")
    aeo_factor: float = Field(0.5, description="multiplier on an AEO trader's priority and random rate")
    seed: int = Field(0, description="seed of the random control draw (decisions are reproducible)")
    critical_weight: float = Field(
        CRITICAL_WEIGHT, ge=0.0, description="λ: typical frauds a missed critical item costs (lane priority)"
    )

    @model_validator(mode="after")
    def _check(self) -> SelectionPolicy:
        for name in (
            "red_budget",
            "yellow_budget",
            "blue_budget",
            "random_rate",
            "explore_share",
            "aeo_factor",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 100 % (got {value * 100:g} %)")
        if self.red_budget + self.yellow_budget + self.blue_budget > 1.0:
            raise ValueError(
                "red, yellow and blue budgets add up to more than 100 % "
                f"({(self.red_budget + self.yellow_budget + self.blue_budget) * 100:g} %)"
            )
        if self.random_rate > self.red_budget:
            raise ValueError(
                f"random_rate ({self.random_rate * 100:g} %) is larger than red_budget "
                f"({self.red_budget * 100:g} %): the random control is part of the red budget"
            )
        return self

    @classmethod
    def of(cls, **values: float | int | None) -> SelectionPolicy:
        """A policy from options (None = default), with a user error instead of a validation trace."""
        try:
            return cls(**{k: v for k, v in values.items() if v is not None})
        except ValueError as exc:
            errors = getattr(exc, "errors", None)
            message = errors()[0]["msg"] if callable(errors) else str(exc)
            raise UserError(f"selection policy: {message.removeprefix('Value error, ')}") from None
