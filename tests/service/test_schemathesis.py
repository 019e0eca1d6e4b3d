"""Property-based run of the OpenAPI schema: no input gives a server error.

Bounded and deterministic: ``derandomize`` fixes the examples, ``max_examples`` bounds
them, and the service refuses solves longer than 1 s (413), so the run stays short.
Three sources of requests per operation: the schema's own examples, valid generated
data (positive) and invalid generated data (negative).
"""

import contextlib
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from service.app import create_app
from solver.roads import build_network
from tests.service.conftest import HEADERS, make_settings

pytestmark = pytest.mark.slow

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("schemathesis")
    networks = tmp_path / "networks"
    # The schema's examples name "malta"; a small network under that name lets them reach
    # the solvers (their Malta points are then off the network, which is data, not an error).
    build_network(DATA_DIR / "monaco-2021-04-21.osm.pbf", name="malta", networks_dir=networks)
    settings = make_settings(
        tmp_path,
        networks,
        default_network="malta",
        max_sync_time_limit_s=1.0,
        max_sync_accounts=20,
    )
    return create_app(settings)


def _run(strategy, max_examples):
    @given(case=strategy)
    @settings(
        max_examples=max_examples,
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


def test_no_input_gives_a_server_error(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert {
        "GET /health",
        "POST /v1/day-plans",
        "POST /v1/jobs",
        "DELETE /v1/jobs/{job_id}",
    } <= labels
    for operation in operations:
        for strategy in operation.get_strategies_from_examples():
            _run(strategy, 5)
        _run(operation.as_strategy(GenerationMode.POSITIVE), 25)
        # Unsatisfiable: nothing in the operation can be made invalid (no body, free path).
        with contextlib.suppress(Unsatisfiable):
            _run(operation.as_strategy(GenerationMode.NEGATIVE), 15)
