"""``clearsight serve``: the portal and the API on one port (uvicorn)."""

from __future__ import annotations

import gc
from contextlib import suppress
from typing import Annotated

import typer

from clearsight.console import UserError, console, fail


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the portal (pages) and the REST API (/api/v1, OpenAPI at /api/v1/openapi.json)."""
    import uvicorn

    from clearsight.cli import settings_of
    from clearsight.portal.app import create_app
    from clearsight.portal.scoring import NoModel
    from clearsight.warehouse import WarehouseError

    settings = settings_of(ctx)
    try:
        app = create_app(settings)
    except (UserError, WarehouseError) as exc:
        fail(str(exc))
    with suppress(NoModel):  # load the model and the lanes' thresholds and rules now, not in the first request
        app.state.portal.scoring.scorer()
        app.state.portal.scoring.decider()
    # Everything built so far lives as long as the server: out of the garbage collector's full passes
    # (which would otherwise walk it all, stalling every request for a fraction of a second).
    gc.collect()
    gc.freeze()
    console.print(f"clearsight portal on http://{host}:{port}/  (API: http://{host}:{port}/api/v1/openapi.json)")
    # Long keep-alive: the clearance system holds its connections open between declarations.
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, timeout_keep_alive=60)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
