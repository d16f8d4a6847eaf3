"""Anonymised releases and public statistics: the researcher's part of the portal.

Researchers see public releases and those made for them (recipient = their user name), never
declaration-level rows; admins and analysts see every release. Files are listed with their SHA-256
from the manifest, so a recipient can check what they received.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clearsight.access.security import Principal
from clearsight.core.workspace import Workspace
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep
from clearsight.portal.pages.render import page

router = APIRouter(include_in_schema=False)


def _manifests(folder: Path) -> list[dict]:
    out = []
    for path in sorted(folder.glob("*/manifest.json")) if folder.is_dir() else []:
        try:
            out.append({"folder": path.parent.name, **json.loads(path.read_text(encoding="utf-8"))})
        except (OSError, ValueError):
            continue  # a release being written or damaged: not shown
    return out


def visible_releases(releases: list[dict], principal: Principal) -> list[dict]:
    """Everything for admins and analysts; public releases and their own for researchers."""
    if principal.role != "researcher":
        return releases
    return [r for r in releases if r.get("profile") == "public" or r.get("recipient") == principal.name]


@router.get("/releases", name="page.releases")
def releases(request: Request, portal: Portal = PortalDep, principal: Principal = PrincipalDep) -> Response:
    settings = portal.settings
    shown = visible_releases(_manifests(Workspace(settings).releases_dir), principal)
    data = {
        "releases": [
            {
                "folder": r["folder"],
                "profile": r.get("profile"),
                "recipient": r.get("recipient"),
                "created_at": r.get("created_at"),
                "k": r.get("k"),
                "rows": r.get("rows", {}),
                "risk_passed": (r.get("risk") or {}).get("passed"),
                "files": r.get("files", {}),
            }
            for r in shown
        ],
        "statistics": [
            {"folder": s["folder"], "by": s.get("by"), "suppression": s.get("suppression"), "method": s.get("method")}
            for s in _manifests(Workspace(settings).statistics_dir)
        ],
    }
    return page(request, "releases.html", data, title="Releases and statistics", principal=principal)
