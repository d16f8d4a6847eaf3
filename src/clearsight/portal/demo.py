"""What ``clearsight demo`` needs from the portal: a demo admin with a one-time password, then serve."""

from __future__ import annotations

from pathlib import Path

from clearsight.config import Settings
from clearsight.console import console

DEMO_ADMIN = "demo-admin"


def demo_admin(settings: Settings) -> str | None:
    """Create the demo admin with a fresh random password and return it (None if it already exists)."""
    from clearsight.access import audit
    from clearsight.access.security import new_password
    from clearsight.access.store import open_store
    from clearsight.access.users import add_user, list_users

    store = open_store(settings)
    try:
        if any(u.name == DEMO_ADMIN for u in list_users(store)):
            return None
        password = new_password()
        add_user(store, DEMO_ADMIN, "admin", password)
        audit.record(store, actor="demo", role="admin", action="users.add", resource=f"user/{DEMO_ADMIN}", client="cli")
        return password
    finally:
        store.close()


def demo_step(settings: Settings, warehouse=None) -> list[Path]:
    """The demo's portal step: the demo admin and its one-time password, and how to serve."""
    password = demo_admin(settings)
    if password:
        console.print(f"   user {DEMO_ADMIN} (admin), one-time password (shown once): {password}", highlight=False)
    else:
        console.print(f"   user {DEMO_ADMIN} exists already (`clearsight users add` makes another admin)")
    console.print(f"   serve the portal: clearsight --home {settings.home} serve   →  http://127.0.0.1:8000/", highlight=False)
    return []


def serve_demo(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Print how to sign in, then serve the portal until Ctrl-C."""
    import uvicorn

    from clearsight.portal.app import create_app

    password = demo_admin(settings)
    console.rule("the portal")
    if password:
        console.print(f"sign in as {DEMO_ADMIN} with the one-time password (shown once): {password}", highlight=False)
    else:
        console.print(f"sign in as {DEMO_ADMIN} (created earlier; `clearsight users add` makes another admin)")
    console.print(f"portal           http://{host}:{port}/   (Ctrl-C stops it)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", timeout_keep_alive=60)
