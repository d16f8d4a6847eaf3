"""Property-based fuzzing of the whole API from its OpenAPI document: no input may cause a 5xx, whether
each operation is called alone or in sequences linked by the ids earlier answers hold."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from clearsight.portal.settings import PortalSettings
from portal_live import start_portal, token, workspace


@pytest.fixture(scope="module")
def fuzzed(model_home, tmp_path_factory):
    # Fuzzing sends many wrong passwords: throttling would only slow it down, so it is lifted here.
    server, _ = start_portal(
        workspace(model_home, tmp_path_factory.mktemp("fuzz-home")), portal_settings=PortalSettings(login_failures=10**9)
    )
    yield server
    server.stop()


def test_no_input_causes_a_server_error(fuzzed):
    """Every operation, 25 generated requests each (bodies, queries, paths), as an admin."""
    schema = schemathesis.openapi.from_url(f"{fuzzed.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {token(fuzzed.url, 'admin')}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case) -> None:
            case.call_and_validate(base_url=fuzzed.url, headers=headers, checks=[not_a_server_error])

        fuzz()


def linked_schema(url: str) -> schemathesis.specs.openapi.schemas.OpenApiSchema:
    """The API's OpenAPI document plus links from the declaration list to the routes taking a
    declaration id, so chained calls reach declarations that exist instead of random ids (404)."""
    raw = httpx.get(f"{url}/api/v1/openapi.json").json()
    ids = {(m, p): op["operationId"] for p, ops in raw["paths"].items() for m, op in ops.items()}
    # The walk follows links from a page of the list: its filters (each fuzzed on its own above) would
    # mostly answer an empty page, leaving no link to follow.
    listing = raw["paths"]["/api/v1/declarations"]["get"]
    listing["parameters"] = [p for p in listing["parameters"] if p["name"] in ("q", "office_id", "limit", "offset")]
    first = "$response.body#/0"
    raw["paths"]["/api/v1/declarations"]["get"]["responses"]["200"]["links"] = {
        "ItsDeclaration": {
            "operationId": ids[("get", "/api/v1/declarations/{declaration_id}")],
            "parameters": {"declaration_id": f"{first}/declaration_id"},
        },
        "ItsInspection": {
            "operationId": ids[("post", "/api/v1/inspections")],
            "requestBody": {"declaration_id": f"{first}/declaration_id", "item_no": f"{first}/item_no", "result": "compliant"},
        },
    }
    schema = schemathesis.openapi.from_dict(raw)
    schema.config.base_url = url
    return schema


def test_linked_calls_cause_no_server_error(fuzzed):
    """Stateful: sequences of calls where each declaration id comes from an earlier answer."""
    headers = {"Authorization": f"Bearer {token(fuzzed.url, 'admin')}"}
    called: list[str] = []

    class Linked(linked_schema(fuzzed.url).as_state_machine()):
        def get_call_kwargs(self, case) -> dict:
            return {"headers": headers}

        def after_call(self, response, case) -> None:
            called.append(f"{case.method} {case.path} {response.status_code}")

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            case.validate_response(response, checks=[not_a_server_error], transport_kwargs=kwargs or None)

    Linked.run(settings=settings(
        max_examples=30, stateful_step_count=4, deadline=None, suppress_health_check=list(HealthCheck), database=None,
        derandomize=True,
    ))
    # The links were followed: a declaration taken from the list was read (200), not only random ids.
    assert "GET /api/v1/declarations/{declaration_id} 200" in called, called[:20]
