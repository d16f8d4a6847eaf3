"""Server-rendered pages and their JSON twins."""

from __future__ import annotations

import re

import httpx
import pytest

from clearsight.core.workspace import Workspace
from portal_live import OFFICE

PAGES = ["/", "/declarations", "/queue", "/selection", "/quality", "/quarantine", "/models", "/audit", "/admin/users"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_json_twin(live, auth, path):
    html = httpx.get(live.url + path, headers=auth("admin"))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html.text), (
        "nothing may be fetched from outside"
    )
    as_json = httpx.get(live.url + path, params={"format": "json"}, headers=auth("admin"))
    accept = httpx.get(live.url + path, headers={**auth("admin"), "Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    assert accept.json().keys() == as_json.json().keys()


def test_overview_shows_volumes_and_charts(live, auth):
    data = httpx.get(f"{live.url}/?format=json", headers=auth("manager")).json()
    assert data["totals"]["items"] == sum(m["items"] for m in data["months"]) >= 12_000
    assert data["totals"]["inspected"] > 0 and 0 < data["totals"]["hit_rate"] < 1
    assert {lane["lane"] for lane in data["lanes"]} <= {"green", "yellow", "red", "blue"}
    html = httpx.get(f"{live.url}/", headers=auth("manager")).text
    for chart in ("chart-volumes", "chart-hit-rate", "chart-revenue"):
        assert f'id="{chart}"' in html
    assert '<script src="/static/plotly.min.js">' in html
    js = httpx.get(f"{live.url}/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000


def test_officer_overview_counts_own_offices_only(live, auth):
    everyone = httpx.get(f"{live.url}/?format=json", headers=auth("analyst")).json()["totals"]["items"]
    mine = httpx.get(f"{live.url}/?format=json", headers=auth("officer")).json()
    assert 0 < mine["totals"]["items"] < everyone and mine["offices"] == [OFFICE]


def test_queue_ranks_by_score_with_reasons(live, auth):
    data = httpx.get(
        f"{live.url}/queue", params={"format": "json", "limit": 10}, headers=auth("officer")
    ).json()
    items = data["items"]
    assert len(items) == 10 and {i["office_id"] for i in items} == {OFFICE}
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    assert all(i["lane"] in ("green", "yellow", "red") for i in items) and any(i["reasons"] for i in items)


def test_models_page_lists_the_registry(live, auth):
    data = httpx.get(f"{live.url}/models?format=json", headers=auth("analyst")).json()
    assert data["promoted"] == "portal-test-model"
    assert data["models"][0]["n_train"] > 0 and data["models"][0]["top_features"]


def test_quality_page_reuses_the_quality_report(live, auth):
    data = httpx.get(f"{live.url}/quality?format=json", headers=auth("auditor")).json()
    declarations = next(t for t in data["tables"] if t["table"] == "declarations")
    assert declarations["rows"] >= 12_000


def test_declaration_page_escapes_and_audits(live, auth):
    row = httpx.get(f"{live.url}/api/v1/declarations", params={"limit": 1}, headers=auth("analyst")).json()[0]
    html = httpx.get(f"{live.url}/declarations/{row['declaration_id']}", headers=auth("auditor"))
    assert (
        html.status_code == 200 and row["importer_id"] in html.text and "Other declarations of this importer" in html.text
    )
    log = httpx.get(
        f"{live.url}/api/v1/audit", params={"actor": "auditor", "limit": 5}, headers=auth("auditor")
    ).json()
    assert any(
        e["action"] == "declarations.get" and e["resource"] == f"declarations/{row['declaration_id']}"
        for e in log
    )


def test_admin_adds_a_user_and_a_key_shown_once(live):
    client = httpx.Client(base_url=live.url, follow_redirects=False)
    from portal_live import password_of

    client.post("/login", data={"username": "admin", "password": password_of("admin")})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/users").text).group(1)
    r = client.post(
        "/admin/users", data={"name": "newofficer", "role": "officer", "offices": OFFICE, "csrf_token": csrf}
    )
    assert r.status_code == 201
    password = re.search(r'id="one-time-password">([^<]+)<', r.text).group(1)
    token = httpx.post(f"{live.url}/api/v1/auth/token", data={"username": "newofficer", "password": password})
    assert token.status_code == 403 and "one-time password" in token.json()["detail"]  # to be replaced first
    own = {"username": "newofficer", "password": password, "new_password": "newofficer-own-password"}
    assert httpx.post(f"{live.url}/api/v1/auth/password", data=own).status_code == 200
    refused = client.post(
        "/admin/users",
        data={"name": "x1", "role": "officer", "csrf_token": csrf},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 422 and "needs at least one --office" in refused.json()["detail"]
    k = client.post("/admin/apikeys", data={"name": "second-system", "role": "service", "csrf_token": csrf})
    key = re.search(r'id="new-key">([^<]+)<', k.text).group(1)
    assert httpx.get(f"{live.url}/api/v1/me", headers={"X-API-Key": key}).json()["role"] == "service"
    assert key not in client.get("/admin/users").text
    client.close()


def test_refused_page_is_a_plain_page(live, auth):
    r = httpx.get(f"{live.url}/declarations", headers=auth("manager"))
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "403: your role (manager) may not do this" in r.text and "Traceback" not in r.text
    missing = httpx.get(f"{live.url}/declarations/NO-SUCH", headers=auth("analyst"))
    assert missing.status_code == 404 and "declaration NO-SUCH not found" in missing.text


def test_models_page_draws_budget_curves(live, auth):
    html = httpx.get(f"{live.url}/models", headers=auth("analyst")).text
    assert 'id="chart-budget-0"' in html and "Validation by inspection budget" in html


def test_declaration_page_shows_the_models_view(live, auth):
    row = httpx.get(f"{live.url}/api/v1/declarations", params={"limit": 1}, headers=auth("analyst")).json()[0]
    data = httpx.get(
        f"{live.url}/declarations/{row['declaration_id']}?format=json", headers=auth("analyst")
    ).json()
    assert [s["item_no"] for s in data["model_scores"]] == [i["item_no"] for i in data["items"]]
    assert all(
        s["lane"] in ("green", "yellow", "red") and s["model_version"] == "portal-test-model"
        for s in data["model_scores"]
    )
    html = httpx.get(f"{live.url}/declarations/{row['declaration_id']}", headers=auth("analyst")).text
    assert 'id="model-scores"' in html


def test_classification_page_and_its_json_twin(live, tokens):
    officer = {"Authorization": f"Bearer {tokens['officer']}"}
    html = httpx.get(f"{live.url}/classify", params={"text": "frozen boneless beef cuts"}, headers=officer)
    assert html.status_code == 200 and 'id="suggestions"' in html.text and "0202" in html.text
    data = httpx.get(
        f"{live.url}/classify",
        params={"text": "frozen boneless beef cuts", "format": "json"},
        headers=officer,
    ).json()
    assert data["suggestions"][0]["code"].startswith("02") and data["mode"] in ("trained", "zero-shot")
    empty = httpx.get(
        f"{live.url}/classify", params={"text": "!!!", "format": "json"}, headers=officer
    ).json()
    assert empty["suggestions"] == [] and empty["note"]
    manager = {"Authorization": f"Bearer {tokens['manager']}"}
    assert (
        httpx.get(f"{live.url}/classify", headers={**manager, "Accept": "application/json"}).status_code
        == 403
    )


def test_releases_page_shows_researchers_public_releases_and_their_own(live, tokens):
    from clearsight.privacy.release import ReleaseOptions, build_release

    settings = live.portal.settings
    with live.portal.warehouse() as wh:
        build_release(
            wh,
            ReleaseOptions(
                profile="public", out=Workspace(settings).releases_dir / "open-data", max_suppression=1.0
            ),
            Workspace(settings).secrets_dir,
            Workspace(settings).releases_dir,
        )
        build_release(
            wh,
            ReleaseOptions(
                profile="research",
                recipient="another-university",
                new_key=True,
                out=Workspace(settings).releases_dir / "for-another",
                max_suppression=1.0,
            ),
            Workspace(settings).secrets_dir,
            Workspace(settings).releases_dir,
        )
    as_json = {"Accept": "application/json"}
    researcher = httpx.get(
        f"{live.url}/releases", headers={**as_json, "Authorization": f"Bearer {tokens['researcher']}"}
    ).json()
    assert [r["folder"] for r in researcher["releases"]] == ["open-data"]
    assert researcher["releases"][0]["rows"]["released"] > 0
    analyst = httpx.get(
        f"{live.url}/releases", headers={**as_json, "Authorization": f"Bearer {tokens['analyst']}"}
    ).json()
    assert {r["folder"] for r in analyst["releases"]} == {"open-data", "for-another"}
    html = httpx.get(f"{live.url}/releases", headers={"Authorization": f"Bearer {tokens['researcher']}"})
    assert html.status_code == 200 and "open-data" in html.text and "for-another" not in html.text
    manager = httpx.get(
        f"{live.url}/releases", headers={**as_json, "Authorization": f"Bearer {tokens['manager']}"}
    )
    assert manager.status_code == 403
