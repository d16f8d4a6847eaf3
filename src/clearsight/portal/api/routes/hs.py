"""``POST /api/v1/hs/suggest``: HS subheadings for a goods description (the classification assistant).

The workspace's trained classifier answers when there is one, the nomenclature alone otherwise; a
description that cannot be read or matches nothing gets no suggestion and a note saying why.
"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from clearsight.core.errors import UserError
from clearsight.core.workspace import Workspace
from clearsight.portal.deps import Portal, PortalDep

router = APIRouter(tags=["hs"])


class SuggestIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="Goods description, as declared")
    top: int = Field(5, ge=1, le=20, description="How many subheadings to return")


class SuggestionOut(BaseModel):
    code: str
    level: str
    score: float
    description: str


class SuggestOut(BaseModel):
    text: str
    mode: str = Field(description="'trained' (the workspace's classifier) or 'zero-shot' (nomenclature only)")
    suggestions: list[SuggestionOut]
    note: str | None = None


class _Suggesters:
    """One suggester per workspace, reloaded when a newer model is trained (loading takes seconds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[float, object]] = {}

    def get(self, models_dir: Path):
        from clearsight.hs.suggest import MODEL_FILE, hs_models_dir, load_suggester

        model = hs_models_dir(models_dir) / MODEL_FILE
        stamp = model.stat().st_mtime if model.is_file() else 0.0
        with self._lock:
            cached = self._cache.get(models_dir)
            if cached is None or cached[0] != stamp:
                cached = (stamp, load_suggester(models_dir))
                self._cache[models_dir] = cached
            return cached[1]


SUGGESTERS = _Suggesters()


@router.post("/hs/suggest", name="api.hs.suggest", response_model=SuggestOut)
def suggest(body: SuggestIn, portal: Portal = PortalDep) -> SuggestOut:
    """Up to ``top`` HS 2022 subheadings (6 digits) for one description, with how sure each is."""
    try:
        suggester = SUGGESTERS.get(Workspace(portal.settings).models_dir)
    except UserError as exc:
        raise HTTPException(503, str(exc)) from None
    answer = suggester.suggest([body.text], body.top)[0]
    return SuggestOut(
        text=answer.text,
        mode=suggester.mode,
        suggestions=[SuggestionOut(**vars(s)) for s in answer.suggestions],
        note=answer.note,
    )
