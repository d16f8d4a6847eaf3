"""The seven roles and what each may do.

Permissions are named after what a route touches; :data:`POLICY` says which roles hold each one. The
portal checks every route against this one table (through one dependency), so reading the table is
reading the whole access policy.
"""

from __future__ import annotations

ROLES: dict[str, str] = {
    "admin": "everything, including user and API-key management",
    "analyst": "all data, models, rules and selections",
    "officer": "declarations and selections of their own offices; records inspection results",
    "auditor": "read-only access to data, plus the audit log",
    "manager": "aggregates and dashboards, no declaration-level rows",
    "researcher": "anonymised releases and public statistics only",
    "service": "the scoring API only (the clearance system)",
}

#: permission -> roles holding it. ``public`` needs no login; ``signed_in`` any valid identity.
POLICY: dict[str, frozenset[str]] = {
    "public": frozenset(),
    "signed_in": frozenset(ROLES),
    "overview": frozenset({"admin", "analyst", "officer", "auditor", "manager"}),
    "declarations.read": frozenset({"admin", "analyst", "officer", "auditor"}),
    "inspections.write": frozenset({"admin", "officer"}),
    # an officer may change the lane the system decided (their offices' items), with a reason; every
    # change is audited and counted by the integrity indicator "lane downgrades"
    "lanes.change": frozenset({"admin", "officer"}),
    "score": frozenset({"admin", "analyst", "service"}),
    "hs.suggest": frozenset({"admin", "analyst", "officer"}),
    "releases.read": frozenset({"admin", "analyst", "researcher"}),
    "quality.read": frozenset({"admin", "analyst", "auditor"}),
    "models.read": frozenset({"admin", "analyst", "auditor"}),
    "selections.read": frozenset({"admin", "analyst", "manager"}),
    # revenue forecasts: aggregates for budget planning (managers), checked by analysts and auditors
    "forecast.read": frozenset({"admin", "analyst", "auditor", "manager"}),
    # performance contracts: managers and directors track them, auditors and analysts read them
    "performance.read": frozenset({"admin", "analyst", "auditor", "manager"}),
    "performance.manage": frozenset({"admin", "manager"}),
    # integrity indicators name officers: managers, auditors and admins only, every read audited
    "integrity.read": frozenset({"admin", "auditor", "manager"}),
    # trader pages: entities, their declarations, seizures and network (officers: their offices' only);
    # managers read aggregates, never a trader's or a declaration's identity, so neither page is theirs
    "traders.read": frozenset({"admin", "analyst", "auditor", "officer"}),
    # post-clearance audit candidates: traders ranked by expected revenue at risk
    "pca.read": frozenset({"admin", "analyst", "auditor"}),
    "rules.manage": frozenset({"admin", "analyst"}),
    "audit.read": frozenset({"admin", "auditor"}),
    "users.admin": frozenset({"admin"}),
}

#: Roles whose declaration-level reads are limited to the offices listed on the user.
OFFICE_BOUND = frozenset({"officer"})


def check_role(role: str) -> str:
    """``role`` if it is one of the seven, else a ValueError listing them."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return role


def allowed(permission: str, role: str | None) -> bool:
    """Whether ``role`` holds ``permission`` (unknown permissions are refused: fail closed)."""
    if permission == "public":
        return True
    return role is not None and role in POLICY.get(permission, frozenset())
