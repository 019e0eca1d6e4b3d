import json

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from tests.service.conftest import HEADERS, make_settings

V1_GETS = ["/v1/networks", "/v1/networks/monaco", "/v1/jobs/abc"]


def _assert_error_shape(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail", "field", "errors"}
    assert body["error"] == code
    assert body["detail"].endswith(".")
    assert body["errors"][0] == {"detail": body["detail"], "field": body["field"]}
    return body


def test_health_needs_no_key_and_lists_no_networks_in_an_empty_dir(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "networks": [], "queue": "in-process"}


@pytest.mark.parametrize("path", V1_GETS)
def test_v1_without_key_is_401(client, path):
    _assert_error_shape(client.get(path), 401, "missing_api_key")


@pytest.mark.parametrize("path", V1_GETS)
def test_v1_with_wrong_key_is_403(client, path):
    _assert_error_shape(client.get(path, headers={"X-API-Key": "nope"}), 403, "invalid_api_key")


def test_post_endpoints_check_the_key_before_the_body(client):
    for path in ("/v1/day-plans", "/v1/day-plans/check", "/v1/territories", "/v1/estimates"):
        _assert_error_shape(client.post(path, json={}), 401, "missing_api_key")
        _assert_error_shape(
            client.post(path, json={}, headers={"X-API-Key": "x"}), 403, "invalid_api_key"
        )
    _assert_error_shape(client.post("/v1/jobs", json={}), 401, "missing_api_key")
    _assert_error_shape(client.delete("/v1/jobs/x"), 401, "missing_api_key")


def test_dev_mode_needs_no_key(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, dev_mode=True))) as client:
        assert client.get("/v1/networks").status_code == 200


def test_unknown_network_is_404_in_the_error_shape(client):
    body = _assert_error_shape(
        client.get("/v1/networks/atlantis", headers=HEADERS), 404, "network_not_found"
    )
    assert "atlantis" in body["detail"]


def test_unknown_job_is_404(client):
    _assert_error_shape(client.get("/v1/jobs/nope", headers=HEADERS), 404, "job_not_found")


def test_unknown_path_is_404_in_the_error_shape(client):
    _assert_error_shape(client.get("/v2/nothing"), 404, "not_found")


def _day_plan(accounts=1):
    return {
        "date": "2026-12-01",
        "reps": [{"id": "r1", "start": {"index": 0}, "shift": {"start": "08:00", "end": "17:00"}}],
        "accounts": [
            {"id": f"A{i}", "location": {"index": 1}, "visit_duration_s": 60}
            for i in range(accounts)
        ],
        "matrix": {"durations_s": [[0, 60], [60, 0]], "distances_m": [[0, 900], [900, 0]]},
        "options": {"time_limit_s": 1},
    }


def test_validation_error_names_the_entity_id_and_field(client):
    request = _day_plan(accounts=4)
    request["accounts"][3]["id"] = "A17"
    request["accounts"][3]["windows"] = [{"start": "10:00", "end": "09:00"}]
    response = client.post("/v1/day-plans", json=request, headers=HEADERS)
    body = _assert_error_shape(response, 422, "invalid_request")
    assert body["detail"] == "accounts[3] 'A17': window end 09:00 is before start 10:00."
    assert body["field"] == "accounts[3].windows[0]"


def test_missing_field_names_the_path(client):
    request = _day_plan()
    del request["reps"][0]["shift"]
    body = _assert_error_shape(
        client.post("/v1/day-plans", json=request, headers=HEADERS), 422, "invalid_request"
    )
    assert body["field"] == "reps[0].shift"
    assert body["detail"].startswith("reps[0] 'r1': shift: field required")


def test_domain_error_from_to_problem_is_422_with_its_field(client):
    request = _day_plan()
    request["accounts"][0]["location"] = {"index": 7}
    body = _assert_error_shape(
        client.post("/v1/day-plans", json=request, headers=HEADERS), 422, "invalid_request"
    )
    assert body["field"] == "accounts[0].location"
    assert "outside the 2 x 2 matrix" in body["detail"]


def test_bad_json_is_400(client):
    response = client.post(
        "/v1/day-plans", content=b"{nope", headers={**HEADERS, "Content-Type": "application/json"}
    )
    _assert_error_shape(response, 400, "invalid_json")


def test_bad_format_query_is_422(client):
    response = client.post("/v1/day-plans?format=kml", json=_day_plan(), headers=HEADERS)
    body = _assert_error_shape(response, 422, "invalid_request")
    assert body["field"] == "format"


def test_too_many_accounts_for_a_sync_solve_is_413_pointing_to_jobs(client):
    response = client.post("/v1/day-plans", json=_day_plan(accounts=51), headers=HEADERS)
    body = _assert_error_shape(response, 413, "too_large")
    assert "/v1/jobs" in body["detail"]


def test_body_over_the_limit_is_413_by_content_length_and_when_chunked(tmp_path):
    settings = make_settings(tmp_path, max_body_bytes=2048)
    with TestClient(create_app(settings)) as client:
        big = json.dumps({**_day_plan(), "pad": "x" * 4096}).encode()
        response = client.post(
            "/v1/day-plans", content=big, headers={**HEADERS, "Content-Type": "application/json"}
        )
        _assert_error_shape(response, 413, "too_large")

        def chunks():
            for i in range(0, len(big), 512):
                yield big[i : i + 512]

        response = client.post(
            "/v1/day-plans",
            content=chunks(),
            headers={**HEADERS, "Content-Type": "application/json"},
        )
        _assert_error_shape(response, 413, "too_large")
        small = client.post("/v1/day-plans?format=kml", json=_day_plan(), headers=HEADERS)
        assert small.status_code == 422  # under the limit it reaches validation


def test_job_with_invalid_inner_request_is_422_naming_the_path(client):
    request = _day_plan(accounts=2)
    request["accounts"][1]["priority"] = 0
    response = client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": request}, headers=HEADERS
    )
    body = _assert_error_shape(response, 422, "invalid_request")
    assert body["field"] == "request.accounts[1].priority"
    assert body["detail"].startswith("request.accounts[1] 'A1': priority")


def test_openapi_documents_every_endpoint_with_examples(client):
    schema = client.get("/openapi.json").json()
    assert {
        "/health",
        "/v1/networks",
        "/v1/networks/{name}",
        "/v1/day-plans",
        "/v1/day-plans/check",
        "/v1/territories",
        "/v1/estimates",
        "/v1/jobs",
        "/v1/jobs/{job_id}",
    } <= set(schema["paths"])
    components = schema["components"]["schemas"]
    for name in ("DayPlanRequest", "RepIn", "AccountIn", "EstimateRequest", "JobRequest"):
        assert components[name].get("examples"), name
    assert "APIKeyHeader" in schema["components"]["securitySchemes"]


def test_job_with_a_domain_error_is_422_with_the_request_prefix_on_the_field(client):
    request = _day_plan(accounts=2)
    request["accounts"][1]["location"] = {"index": 9}
    response = client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": request}, headers=HEADERS
    )
    body = _assert_error_shape(response, 422, "invalid_request")
    assert body["field"] == "request.accounts[1].location"
    assert "outside the 2 x 2 matrix" in body["detail"]
