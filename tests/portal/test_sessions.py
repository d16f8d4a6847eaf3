"""Sessions end when they should (logout, password change or reset), and a one-time password must be
replaced at the first sign-in before anything else can be done."""

from __future__ import annotations

import re

import httpx
import pytest
from typer.testing import CliRunner

from clearsight.access.users import add_user
from clearsight.cli import app as cli_app
from clearsight.core.settings import Settings
from clearsight.portal.demo import DEMO_ADMIN, demo_admin
from portal_live import password_of, start_portal, workspace


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    settings = workspace(None, tmp_path_factory.mktemp("sessions-home"))
    server, _ = start_portal(settings)
    server.settings = settings
    yield server
    server.stop()


def _signed_in(url: str, user: str, password: str) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=url, follow_redirects=False)
    return client, client.post("/login", data={"username": user, "password": password, "next": "/audit"})


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_logout_ends_the_session_on_the_server(bare):
    client, r = _signed_in(bare.url, "auditor", password_of("auditor"))
    assert r.status_code == 303
    cookie = client.cookies["clearsight_session"]
    page = client.get("/audit")
    assert page.status_code == 200
    assert client.post("/logout", data={"csrf_token": _csrf(page.text)}).status_code == 303
    client.close()
    # The old cookie, kept by someone who copied it, no longer opens anything.
    replay = httpx.get(f"{bare.url}/api/v1/me", cookies={"clearsight_session": cookie}, headers={"Accept": "application/json"})
    assert replay.status_code == 401 and "session has ended" in replay.json()["detail"]
    page = httpx.get(f"{bare.url}/audit", cookies={"clearsight_session": cookie})
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_api_logout_ends_a_bearer_token(bare):
    token = httpx.post(f"{bare.url}/api/v1/auth/token", data={"username": "manager", "password": password_of("manager")})
    h = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert httpx.get(f"{bare.url}/api/v1/me", headers=h).status_code == 200
    assert httpx.post(f"{bare.url}/api/v1/auth/logout", headers=h).status_code == 204
    assert httpx.get(f"{bare.url}/api/v1/me", headers=h).status_code == 401


def test_a_one_time_password_must_be_changed_first(bare):
    add_user(bare.portal.store, "newbie", "analyst", "one-time-pass-1", one_time=True)
    token = httpx.post(f"{bare.url}/api/v1/auth/token", data={"username": "newbie", "password": "one-time-pass-1"})
    assert token.status_code == 403 and "one-time password" in token.json()["detail"]
    assert "/password" in token.json()["detail"]

    client, r = _signed_in(bare.url, "newbie", "one-time-pass-1")
    assert r.status_code == 303 and r.headers["location"] == "/password?next=/audit"
    other = client.get("/declarations")  # anything else leads back to the change form
    assert other.status_code == 303
    assert client.get(other.headers["location"]).headers["location"].startswith("/password")
    form = client.get("/password")
    assert form.status_code == 200 and "one-time password" in form.text
    csrf = _csrf(form.text)
    bad = client.post("/password", data={"current": "one-time-pass-1", "new": "short", "confirm": "short", "csrf_token": csrf})
    assert bad.status_code == 422 and "at least 10 characters" in bad.text
    same = client.post(
        "/password", data={"current": "one-time-pass-1", "new": "one-time-pass-1", "confirm": "one-time-pass-1", "csrf_token": csrf}
    )
    assert same.status_code == 422 and "differ" in same.text
    done = client.post(
        "/password",
        data={"current": "one-time-pass-1", "new": "my-own-password-1", "confirm": "my-own-password-1", "csrf_token": csrf, "next": "/"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert client.get("/api/v1/me").json()["name"] == "newbie"  # the new cookie works
    client.close()
    old = httpx.post(f"{bare.url}/api/v1/auth/token", data={"username": "newbie", "password": "one-time-pass-1"})
    assert old.status_code == 401
    new = httpx.post(f"{bare.url}/api/v1/auth/token", data={"username": "newbie", "password": "my-own-password-1"})
    assert new.status_code == 200


def test_the_api_changes_a_one_time_password(bare):
    add_user(bare.portal.store, "robot", "analyst", "one-time-pass-2", one_time=True)
    r = httpx.post(
        f"{bare.url}/api/v1/auth/password",
        data={"username": "robot", "password": "one-time-pass-2", "new_password": "robots-own-pass"},
    )
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"
    me = httpx.get(f"{bare.url}/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.json()["name"] == "robot"


def test_reset_password_ends_every_session_and_forces_a_change(bare):
    home = bare.settings.home
    client, r = _signed_in(bare.url, "researcher", password_of("researcher"))
    assert r.status_code == 303
    token = httpx.post(f"{bare.url}/api/v1/auth/token", data={"username": "researcher", "password": password_of("researcher")})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    out = CliRunner().invoke(cli_app, ["--home", str(home), "users", "reset-password", "researcher"])
    assert out.exit_code == 0, out.output
    one_time = re.search(r"one-time password \(shown once\): (\S+)", out.output).group(1)
    assert client.get("/api/v1/me").status_code == 401
    assert httpx.get(f"{bare.url}/api/v1/me", headers=bearer).status_code == 401
    client.close()
    assert httpx.post(f"{bare.url}/api/v1/auth/token", data={"username": "researcher", "password": password_of("researcher")}).status_code == 401
    forced = httpx.post(f"{bare.url}/api/v1/auth/token", data={"username": "researcher", "password": one_time})
    assert forced.status_code == 403
    missing = CliRunner().invoke(cli_app, ["--home", str(home), "users", "reset-password", "nobody"])
    assert missing.exit_code == 2 and "no user called 'nobody'" in missing.output


def test_every_demo_run_can_tell_how_to_sign_in(tmp_path):
    settings = Settings(home=tmp_path)
    first = demo_admin(settings)
    second = demo_admin(settings)
    assert first and second and first != second
    server, _ = start_portal(workspace(None, tmp_path / "other"), store_url=f"sqlite:///{tmp_path / 'app.sqlite'}")
    try:
        old = httpx.post(f"{server.url}/api/v1/auth/token", data={"username": DEMO_ADMIN, "password": first})
        assert old.status_code == 401
        r = httpx.post(f"{server.url}/api/v1/auth/token", data={"username": DEMO_ADMIN, "password": second})
        assert r.status_code == 403 and "one-time password" in r.json()["detail"]
    finally:
        server.stop()
