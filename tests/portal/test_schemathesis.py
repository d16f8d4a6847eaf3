"""Property-based fuzzing of the whole API from its OpenAPI document: no input may cause a 5xx."""

from __future__ import annotations

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
