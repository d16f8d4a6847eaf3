"""``GET /api/v1/health``: the server is up (no login, no data)."""

from fastapi import APIRouter

from clearsight.portal.deps import needs

router = APIRouter(tags=["health"])


@router.get("/health", name="api.health", **needs("public"))
def health() -> dict[str, str]:
    return {"status": "ok"}
