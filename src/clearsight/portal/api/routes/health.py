"""``GET /api/v1/health``: the server is up (no login, no data)."""

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health", name="api.health")
def health() -> dict[str, str]:
    return {"status": "ok"}
