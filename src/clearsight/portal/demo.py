"""What ``clearsight demo`` needs from the portal: a demo admin with a one-time password, then serve."""

from __future__ import annotations

from pathlib import Path

from clearsight.console import console, rule
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep

DEMO_ADMIN = "demo-admin"


def demo_admin(settings: Settings) -> str:
    """The demo admin's one-time password: the account is created on the first run, and every later run
    gives it a new one-time password (ending its sessions), so each run can tell how to sign in."""
    from clearsight.access import audit
    from clearsight.access.security import new_password
    from clearsight.access.users import add_user, list_users, reset_password
    from clearsight.core.store import open_store

    store = open_store(settings)
    try:
        if any(u.name == DEMO_ADMIN for u in list_users(store)):
            password = reset_password(store, DEMO_ADMIN)
            action = "users.reset_password"
        else:
            password = new_password()
            add_user(store, DEMO_ADMIN, "admin", password, one_time=True)
            action = "users.add"
        audit.record(store, actor="demo", role="admin", action=action, resource=f"user/{DEMO_ADMIN}", client="cli")
        return password
    finally:
        store.close()


def demo_step(settings: Settings, warehouse=None) -> list[Path]:
    """The demo's portal step: the demo admin and its one-time password, and how to serve."""
    password = demo_admin(settings)
    console.print(f"   user {DEMO_ADMIN} (admin), one-time password (new at each demo run): {password}", highlight=False)
    console.print("   the first sign-in asks for a password of your own", highlight=False)
    console.print(f"   serve the portal: clearsight --home {settings.home} serve   →  http://127.0.0.1:8000/", highlight=False)
    return []


def serve_demo(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Print how to sign in, then serve the portal until Ctrl-C."""
    import uvicorn

    from clearsight.portal.app import create_app
    from clearsight.portal.cli import proxy_options

    password = demo_admin(settings)
    rule("the portal")
    console.print(f"sign in as {DEMO_ADMIN} with the one-time password (new at each demo run): {password}", highlight=False)
    console.print("the first sign-in asks for a password of your own")
    console.print(f"portal           http://{host}:{port}/   (Ctrl-C stops it)")
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level="warning", timeout_keep_alive=60, **proxy_options(None)
    )


STEP = DemoStep("the portal: a demo admin", demo_step)
