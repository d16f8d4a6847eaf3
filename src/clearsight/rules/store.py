"""Rule profiles in the app store: added whole or not at all, listed, disabled (never deleted, so
their hit history stays readable)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from clearsight.core.errors import UserError
from clearsight.core.store import Store
from clearsight.core.store.models import RuleProfile, utcnow
from clearsight.rules.profiles import CRITERIA, Rule, RuleSet, rule_of


@dataclass
class StoredRule:
    """A rule as the store holds it: the rule itself plus when it was created and disabled."""

    rule: Rule
    created_at: dt.datetime
    disabled_at: dt.datetime | None

    @property
    def name(self) -> str:
        return self.rule.name

    def to_json_dict(self) -> dict:
        return {
            **self.rule.model_dump(mode="json", exclude={*CRITERIA}),
            "criteria": self.rule.model_dump(mode="json", include=set(self.rule.criteria)),
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "disabled_at": self.disabled_at.isoformat(timespec="seconds") if self.disabled_at else None,
        }


def _stored(row: RuleProfile) -> StoredRule:
    values = {
        "name": row.name,
        "lane": row.lane,
        "reason": row.reason,
        "owner": row.owner,
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "enabled": row.enabled,
        **(row.criteria or {}),
    }
    return StoredRule(rule_of(values, f"stored rule {row.name!r}"), row.created_at, row.disabled_at)


def add_rules(store: Store, rules: list[Rule]) -> list[StoredRule]:
    """Store every rule in one transaction; a name already taken refuses them all."""
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise UserError(
            "two rules share a name: " + ", ".join(sorted({n for n in names if names.count(n) > 1}))
        )
    with store.session() as session:
        taken = session.scalars(select(RuleProfile.name).where(RuleProfile.name.in_(names))).all()
        if taken:
            raise UserError(
                f"a rule called {', '.join(map(repr, sorted(taken)))} already exists (names stay unique, "
                "disabled rules included); nothing was added"
            )
        now = utcnow()
        rows = [
            RuleProfile(
                name=r.name,
                lane=r.lane,
                criteria=r.model_dump(mode="json", include=set(r.criteria)),
                reason=r.reason,
                owner=r.owner,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
                enabled=r.enabled,
                created_at=now,
                disabled_at=None if r.enabled else now,
            )
            for r in rules
        ]
        session.add_all(rows)
    return [_stored(row) for row in rows]


def list_rules(store: Store, *, include_disabled: bool = True) -> list[StoredRule]:
    """Rules in the order they were added."""
    with store.session() as session:
        query = select(RuleProfile).order_by(RuleProfile.id)
        if not include_disabled:
            query = query.where(RuleProfile.enabled.is_(True))
        return [_stored(row) for row in session.scalars(query)]


def disable_rule(store: Store, name: str) -> StoredRule:
    """Stop applying a rule from now on (its past hits stay in ``selections``)."""
    with store.session() as session:
        row = session.scalars(select(RuleProfile).where(RuleProfile.name == name)).one_or_none()
        if row is None:
            known = session.scalars(select(RuleProfile.name).order_by(RuleProfile.id)).all()
            raise UserError(f"no rule called {name!r}; rules: {', '.join(known) or 'none yet'}")
        if not row.enabled:
            raise UserError(f"rule {name!r} is already disabled (since {row.disabled_at:%Y-%m-%d %H:%M})")
        row.enabled = False
        row.disabled_at = utcnow()
    return _stored(row)


def enabled_rules(store: Store) -> RuleSet:
    """Every enabled rule, compiled together."""
    return RuleSet(s.rule for s in list_rules(store, include_disabled=False))


def with_stats(stored: list[StoredRule], stats: dict[str, dict]) -> list[dict]:
    """One row per stored rule with its hit statistics (zeros where it never hit), in the order the
    rules were added (``stats``: :func:`clearsight.selectivity.selections.rule_stats`)."""
    empty = {"items": 0, "inspected": 0, "frauds": 0, "hit_rate": None, "revenue": 0.0, "last_hit": None}
    return [
        {
            "rule": s.name,
            "lane": s.rule.lane,
            "enabled": s.rule.enabled,
            "criteria": s.rule.describe(),
            "reason": s.rule.reason,
            **stats.get(s.name, empty),
        }
        for s in stored
    ]
