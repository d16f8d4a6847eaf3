"""Performance measurement contracts and integrity indicators, for managers, directors, auditors and
integrity units: contracts per office (or team) stating indicators, targets and period, tracked month
by month with their status, trend and a report a director signs (``clearsight pmc``); and integrity
indicators that compare an officer's or an office's records with their peers' under a statistical
test (``clearsight integrity``), where a flag is a reason to look, not a finding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.performance.contracts import (
        INDICATORS,
        Contract,
        get_contract,
        list_contracts,
        load_contract_file,
        parse_contract,
        save_contract,
    )
    from clearsight.performance.html import write_contract_html, write_integrity_html
    from clearsight.performance.indicators import contract_status
    from clearsight.performance.integrity import IntegrityOptions, integrity_report

__all__ = [
    "INDICATORS",
    "Contract",
    "IntegrityOptions",
    "contract_status",
    "get_contract",
    "integrity_report",
    "list_contracts",
    "load_contract_file",
    "parse_contract",
    "save_contract",
    "write_contract_html",
    "write_integrity_html",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "INDICATORS": "contracts",
        "Contract": "contracts",
        "get_contract": "contracts",
        "list_contracts": "contracts",
        "load_contract_file": "contracts",
        "parse_contract": "contracts",
        "save_contract": "contracts",
        "write_contract_html": "html",
        "write_integrity_html": "html",
        "contract_status": "indicators",
        "IntegrityOptions": "integrity",
        "integrity_report": "integrity",
    },
)
