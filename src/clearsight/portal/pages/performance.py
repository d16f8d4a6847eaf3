"""Performance contracts (managers, directors) and integrity indicators (managers, auditors, integrity
units). Contracts are read from the workspace and may be saved from a form here (audited); integrity
indicators name officers, so every reading is written to the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from clearsight.access.roles import allowed
from clearsight.access.security import Principal
from clearsight.core.errors import UserError
from clearsight.core.workspace import Workspace
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read, client_of
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


def _decisions(wh):
    from clearsight.selectivity import lane_decisions

    return lane_decisions(wh, None) if wh.has_table("selections") else None


def _answer(request: Request, portal: Portal, principal: Principal, contract_id: str | None,
            error: str | None = None, status_code: int = 200) -> Response:
    from clearsight.performance import contract_status, get_contract, list_contracts
    from clearsight.performance.html import contract_fragment

    workspace = Workspace(portal.settings)
    folder = workspace.contracts_dir
    try:
        contracts = list_contracts(folder)
        chosen = get_contract(folder, contract_id) if contract_id else None
    except UserError as exc:
        raise HTTPException(404 if "no contract" in str(exc) else 400, str(exc)) from None
    status = None
    if chosen is not None:
        with portal.warehouse() as wh:
            status = contract_status(wh, chosen, _decisions(wh))
    data = {"contracts": [c.to_json_dict() for c in contracts], "status": status, "error": error,
            "can_manage": allowed("performance.manage", principal.role)}
    extra = {"fragment": contract_fragment(status, workspace.currency) if status else None}
    return page(request, "performance.html", data, title="Performance contracts", principal=principal,
                extra=extra, status_code=status_code)


@router.get("/performance", name="page.performance")
def performance(request: Request, contract: str | None = None, portal: Portal = PortalDep,
                principal: Principal = PrincipalDep) -> Response:
    return _answer(request, portal, principal, contract)


@router.post("/performance/contracts", name="page.performance_save")
def save(request: Request, contract_yaml: Annotated[str, Form(max_length=20_000)], portal: Portal = PortalDep,
         principal: Principal = PrincipalDep) -> Response:
    """Save a contract written in the form (checked whole; the version it replaces is kept; audited)."""
    from clearsight.performance import save_contract

    try:
        contract, _ = save_contract(Workspace(portal.settings).contracts_dir, contract_yaml, "the contract form",
                                    store=portal.store, actor=principal.name, role=principal.role,
                                    client=client_of(request))
    except UserError as exc:
        return _answer(request, portal, principal, None, error=str(exc), status_code=422)
    return _answer(request, portal, principal, contract.id)


def withhold_traders(report: dict) -> dict:
    """The report without trader ids, for roles that see no declaration-level data (managers): the
    officer and the pattern are theirs to manage; the trader is for auditors to read."""
    note = "trader withheld: auditors see it"
    for row in [r for i in report["indicators"] for r in i["rows"]] + report["flags"]:
        if "importer_id" in row:
            row["importer_id"] = note
    return report


@router.get("/integrity", name="page.integrity")
def integrity(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    from clearsight.performance import integrity_report
    from clearsight.performance.html import integrity_fragment

    with portal.warehouse() as wh:
        report = integrity_report(wh, decisions=_decisions(wh))
    if not allowed("declarations.read", principal.role):
        report = withhold_traders(report)
    audit_read(request, principal, "integrity.read", "integrity", {"flags": len(report["flags"])},
               rows=sum(i["tested"] for i in report["indicators"]))
    return page(request, "integrity.html", report, title="Integrity indicators", principal=principal,
                extra={"fragment": integrity_fragment(report)})
