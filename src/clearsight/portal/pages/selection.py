"""Selection: the latest batch's lanes by office, the policy it was decided with and the offices over
budget, and every rule profile with what its hits found (aggregates only, for analysts, admins and
managers); analysts and admins may retire a rule here."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from clearsight.access import audit
from clearsight.access.roles import allowed
from clearsight.access.security import Principal
from clearsight.core.errors import UserError
from clearsight.portal.charts import lanes_by_office
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, client_of
from clearsight.portal.pages.render import page

if TYPE_CHECKING:
    from clearsight.rules.profiles import Rule

router = APIRouter(include_in_schema=False)


def selection_view(portal: Portal, principal: Principal) -> dict:
    from clearsight.rules.store import list_rules, with_stats
    from clearsight.selectivity.select import selection_overview
    from clearsight.selectivity.selections import latest_selection_id, rule_stats

    with portal.warehouse() as wh:
        latest = latest_selection_id(wh)
        summary = selection_overview(portal.settings, wh, latest) if latest else None
        stats = rule_stats(wh)
    stored = list_rules(portal.store)
    rows = with_stats(stored, stats)
    if not allowed("declarations.read", principal.role):  # a manager: no declaration-level values
        rows = [masked_row(row, s.rule) for row, s in zip(rows, stored, strict=True)]
    return {"selection": summary, "rules": rows, "can_manage": allowed("rules.manage", principal.role)}


#: Declaration fields naming a trader or a consignment: a rule condition over them is hidden whole.
_NAMING_FIELDS = re.compile(r"\b(importer_id|declarant_id|seller_id|carrier_id|declaration_id|goods_description)\b", re.I)
_LITERAL = re.compile(r"'([^']*)'|\"([^\"]*)\"")
#: Rule criteria listing trader ids, and what one such id is called.
_ID_LISTS = {"importers": "importer id", "declarants": "declarant id"}


def masked_row(row: dict, rule: Rule) -> dict:
    """A rule's listing row for a role without declaration-level access: its trader ids replaced by how
    many there are ("3 importer ids"), a condition naming trader fields or literal values hidden, and any
    of those values written in its name or reason blanked."""
    update: dict = {}
    secrets: set[str] = set()
    for field, noun in _ID_LISTS.items():
        ids = getattr(rule, field)
        if ids:
            update[field] = [f"{len(ids)} {noun}{'' if len(ids) == 1 else 's'}"]
            secrets.update(ids)
    if rule.condition and (_NAMING_FIELDS.search(rule.condition) or _LITERAL.search(rule.condition)):
        update["condition"] = "hidden (it names declaration-level values)"
        secrets.update(a or b for a, b in _LITERAL.findall(rule.condition) if a or b)
    if not update:
        return row

    def blank(text: str) -> str:
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, "[hidden]")
        return text

    return {**row, "rule": blank(row["rule"]), "reason": blank(row["reason"] or ""), "criteria": rule.model_copy(update=update).describe()}


def lanes_chart(summary: dict | None):
    return lanes_by_office(summary, "chart-selection-lanes")


def _answer(request: Request, portal: Portal, principal: Principal, status_code: int = 200) -> Response:
    data = selection_view(portal, principal)
    return page(
        request, "selection.html", data, title="Selection", principal=principal, status_code=status_code,
        extra={"chart": lanes_chart(data["selection"])},
    )


@router.get("/selection", name="page.selection")
def selection(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    return _answer(request, portal, principal)


@router.post("/selection/rules/{name}/disable", name="page.rule_disable")
def disable_rule(request: Request, name: str, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    from clearsight.rules.store import disable_rule as disable

    try:
        disable(portal.store, name)
    except UserError as exc:
        raise HTTPException(404 if "no rule called" in str(exc) else 409, str(exc)) from None
    audit.record(
        portal.store, actor=principal.name, role=principal.role, action="rules.disable", resource=f"rule/{name}",
        client=client_of(request),
    )
    return _answer(request, portal, principal)
