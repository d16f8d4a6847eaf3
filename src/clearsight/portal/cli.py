"""``clearsight serve``: the portal and the API on one port (uvicorn)."""

from __future__ import annotations

import gc
from contextlib import suppress
from typing import Annotated

import typer

from clearsight.cli_kit import command, settings_of
from clearsight.console import console, fail


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main app."""
    app.command("serve")(serve)


@command
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="Behind a reverse proxy: the proxy's addresses (comma-separated, or '*'), whose "
            "X-Forwarded-For / X-Forwarded-Proto headers are believed. Without it they are ignored.",
        ),
    ] = None,
) -> None:
    """Serve the portal (pages) and the REST API (/api/v1, OpenAPI at /api/v1/openapi.json)."""
    import uvicorn

    from clearsight.core.warehouse import WarehouseBusy, WarehouseError
    from clearsight.portal.app import create_app
    from clearsight.portal.scoring import NoModel
    from clearsight.schema.items import load_reference_lists

    try:
        app = create_app(settings_of(ctx))
    except WarehouseError as exc:
        fail(str(exc))
    # Load the model and the lanes' thresholds and rules now, not in the first request (unless a command
    # keeps the warehouse busy past the wait: then the first request that needs them loads them).
    with suppress(NoModel, WarehouseBusy):
        app.state.portal.scoring.scorer()
        app.state.portal.scoring.decider()
    load_reference_lists()  # what the API checks each item against
    # Everything built so far lives as long as the server: out of the garbage collector's full passes
    # (which would otherwise walk it all, stalling every request for a fraction of a second).
    gc.collect()
    gc.freeze()
    console.print(f"clearsight portal on http://{host}:{port}/  (API: http://{host}:{port}/api/v1/openapi.json)")
    # Long keep-alive: the clearance system holds its connections open between declarations.
    uvicorn.run(
        app, host=host, port=port, log_level="info", access_log=False, timeout_keep_alive=60,
        **proxy_options(forwarded_allow_ips),
    )


def proxy_options(forwarded_allow_ips: str | None) -> dict:
    """uvicorn's proxy settings: forwarded headers are believed only from the addresses named.

    uvicorn's own default believes them from 127.0.0.1, so any local process (or a caller reaching the
    port through a local tunnel) could name any client address, escaping the sign-in throttle and
    writing a forged address into the audit log.
    """
    if not forwarded_allow_ips:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": forwarded_allow_ips}

