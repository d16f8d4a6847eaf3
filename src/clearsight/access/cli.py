"""``clearsight users``, ``clearsight apikeys`` and ``clearsight audit``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from clearsight.cli_kit import command, emit, group, open_app_store
from clearsight.console import console, fail

Office = Annotated[list[str] | None, typer.Option("--office", help="Office the account may see (repeat).")]


def register(app: typer.Typer) -> None:
    """Add the ``users``, ``apikeys`` and ``audit`` groups to the main app."""
    users = group(app, "users", "Portal users: add, list, disable, change role, reset a password.")
    users.command("add")(users_add)
    users.command("reset-password")(users_reset_password)
    users.command("list")(users_list)
    users.command("disable")(users_disable)
    users.command("set-role")(users_set_role)
    keys = group(app, "apikeys", "API keys for machines (the clearance system).")
    keys.command("create")(keys_create)
    keys.command("list")(keys_list)
    keys.command("revoke")(keys_revoke)
    audit = group(app, "audit", "The hash-chained audit log.")
    audit.command("verify")(audit_verify)
    audit.command("anchor")(audit_anchor)
    audit.command("export")(audit_export)


def _audit(store, action: str, resource: str, detail: dict | None = None) -> None:
    import getpass

    from clearsight.access import audit

    audit.record(store, actor=f"cli:{getpass.getuser()}", role="admin", action=action, resource=resource, filter=detail, client="cli")


@command
def users_add(
    ctx: typer.Context,
    name: str,
    role: Annotated[str, typer.Option("--role", help="admin, analyst, officer, auditor, manager, researcher or service.")],
    office: Office = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Add a user. Without --password-stdin a random password is generated and printed once."""
    from clearsight.access.security import new_password
    from clearsight.access.users import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        generated = False
    else:
        password, generated = new_password(), True
    with open_app_store(ctx) as store:
        add_user(store, name, role, password, office, one_time=generated)
        _audit(store, "users.add", f"user/{name}", {"role": role, "offices": office or []})
    console.print(f"user {name} added ({role}{', offices ' + ', '.join(office) if office else ''})")
    if generated:
        console.print(f"one-time password (shown once): {password}", highlight=False)
        console.print(f"{name} must choose their own password at the first sign-in (on /password)")


@command
def users_reset_password(ctx: typer.Context, name: str) -> None:
    """Give a user a new one-time password (printed once): their sessions and tokens end at once, and
    they must choose their own password at the next sign-in."""
    from clearsight.access.users import reset_password

    with open_app_store(ctx) as store:
        password = reset_password(store, name)
        _audit(store, "users.reset_password", f"user/{name}")
    console.print(f"user {name}: every session and token has ended")
    console.print(f"one-time password (shown once): {password}", highlight=False)
    console.print(f"{name} must choose their own password at the next sign-in (on /password)")


@command
def users_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List users (never their passwords)."""
    from clearsight.access.users import list_users

    with open_app_store(ctx) as store:
        rows = [
            {"name": u.name, "role": u.role, "offices": list(u.offices or []), "disabled": u.disabled, "created_at": u.created_at.isoformat(timespec="seconds")}
            for u in list_users(store)
        ]
    emit(rows, as_json, _print_users)


def _print_users(rows: list[dict]) -> None:
    grid = RichTable("name", "role", "offices", "disabled", "created")
    for r in rows:
        grid.add_row(r["name"], r["role"], ", ".join(r["offices"]), "yes" if r["disabled"] else "", r["created_at"])
    console.print(grid)


@command
def users_disable(ctx: typer.Context, name: str) -> None:
    """Disable a user: their sessions and tokens stop working at the next request."""
    from clearsight.access.users import set_disabled

    with open_app_store(ctx) as store:
        set_disabled(store, name, True)
        _audit(store, "users.disable", f"user/{name}")
    console.print(f"user {name} disabled")


@command
def users_set_role(ctx: typer.Context, name: str, role: str, office: Office = None) -> None:
    """Change a user's role (and offices, if given)."""
    from clearsight.access.users import set_role

    with open_app_store(ctx) as store:
        user = set_role(store, name, role, office)
        _audit(store, "users.set_role", f"user/{name}", {"role": role, "offices": list(user.offices)})
    console.print(f"user {name} is now {role}")


@command
def keys_create(
    ctx: typer.Context,
    name: str,
    role: Annotated[str, typer.Option("--role", help="Role of the key (default: service).")] = "service",
    office: Office = None,
) -> None:
    """Create an API key; it is printed once (only its hash is kept)."""
    from clearsight.access.users import create_api_key

    with open_app_store(ctx) as store:
        key, row = create_api_key(store, name, role, "cli", office)
        _audit(store, "apikeys.create", f"apikey/{row.prefix}", {"name": name, "role": role})
    console.print(f"API key {name} ({role}), prefix {row.prefix}; shown once:")
    print(key)


@command
def keys_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List API keys (prefix, name, role, state)."""
    from clearsight.access.users import list_api_keys

    with open_app_store(ctx) as store:
        rows = [
            {"prefix": k.prefix, "name": k.name, "role": k.role, "created_at": k.created_at.isoformat(timespec="seconds"), "revoked": k.revoked_at is not None}
            for k in list_api_keys(store)
        ]
    emit(rows, as_json, _print_keys)


def _print_keys(rows: list[dict]) -> None:
    grid = RichTable("prefix", "name", "role", "created", "revoked")
    for r in rows:
        grid.add_row(r["prefix"], r["name"], r["role"], r["created_at"], "yes" if r["revoked"] else "")
    console.print(grid)


@command
def keys_revoke(ctx: typer.Context, prefix: Annotated[str, typer.Argument(help="The key's prefix (or the key).")]) -> None:
    """Revoke an API key: it is refused from the next request on."""
    from clearsight.access.users import revoke_api_key

    with open_app_store(ctx) as store:
        row = revoke_api_key(store, prefix)
        _audit(store, "apikeys.revoke", f"apikey/{row.prefix}")
    console.print(f"API key {row.prefix} ({row.name}) revoked")


@command
def audit_verify(
    ctx: typer.Context,
    anchor: Annotated[
        str | None,
        typer.Option("--anchor", help="Anchor file, or database URL, written by 'clearsight audit anchor': also detect removed newest entries and a rewritten chain."),
    ] = None,
) -> None:
    """Check the hash chain: exit 1 and name the entries if one was edited, deleted or cannot be read."""
    from rich.markup import escape

    from clearsight.access.audit import read_anchor, verify

    anchored = read_anchor(anchor) if anchor else None
    with open_app_store(ctx) as store:
        result = verify(store, anchored)
    if not result.ok:
        for p in result.problems:
            console.print(f"[red]{escape(p)}[/]", highlight=False)
        fail(f"the audit log has been tampered with ({len(result.problems)} problem(s) in {result.entries} entries)", code=1)
    against = f", and its head matches the anchor of {anchored.anchored_at}" if anchored else ""
    console.print(f"audit log intact: {result.entries} entries, chain verified{against}", highlight=False)


@command
def audit_anchor(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="Write the anchor to this JSON file (replaced).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Append the anchor to this database (SQLAlchemy URL), outside the app store.")] = None,
) -> None:
    """Print the chain's head (hash, entries, time) after verifying it; keep it where the log's writers
    cannot change it, and pass it to 'audit verify --anchor' later."""
    from rich.markup import escape

    from clearsight.access.audit import anchor, verify, write_anchor
    from clearsight.console import err_console

    with open_app_store(ctx) as store:
        result = verify(store)
        head = anchor(store)
    if not result.ok:
        for p in result.problems:
            console.print(f"[red]{escape(p)}[/]", highlight=False)
        fail("the audit log does not verify, so it is not anchored; investigate first", code=1)
    print(json.dumps(head.as_dict()))
    for target in (str(out) if out else None, to):
        if target:
            where = write_anchor(head, target)
            err_console.print(f"anchor of {head.entries} entries written to {where}", highlight=False)


@command
def audit_export(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="JSON-lines file (default: standard output).")] = None,
    limit: Annotated[int, typer.Option(help="Most recent entries.")] = 1000,
) -> None:
    """Export the most recent entries as JSON lines."""
    from clearsight.access.audit import as_dict, entries

    with open_app_store(ctx) as store:
        lines = [json.dumps(as_dict(e), default=str) for e in reversed(entries(store, limit=limit))]
    text = "\n".join(lines) + ("\n" if lines else "")
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"{len(lines)} entries written to {out}")
    else:
        sys.stdout.write(text)

