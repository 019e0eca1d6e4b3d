"""Property-based run of the OpenAPI schema: no input gives a server error.

Bounded and deterministic: ``derandomize`` fixes the examples, ``max_examples`` bounds
them, and the service refuses solves longer than 0.5 s (413), so the run stays short.
"""

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from service.app import create_app
from tests.service.conftest import HEADERS, make_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, networks_dir: Path, monaco_network):
    tmp_path = tmp_path_factory.mktemp("schemathesis")
    return create_app(
        make_settings(tmp_path, networks_dir, max_sync_time_limit_s=0.5, max_sync_accounts=20)
    )


def _operations(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_no_input_gives_a_server_error(app):
    operations = _operations(app)
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case):
            response = case.call(headers=HEADERS)
            assert response.status_code < 500, (
                case.operation.label,
                response.status_code,
                response.text,
                case.body,
            )

        no_server_error()
