"""The OpenAPI document describes every field, shows an example of every answer, and
documents the error statuses each route can give."""

import pytest

from service.app import create_app


@pytest.fixture(scope="module")
def openapi(tmp_path_factory):
    from tests.service.conftest import make_settings

    return create_app(make_settings(tmp_path_factory.mktemp("openapi"))).openapi()


def refs(schema):
    """Names of the component schemas a response schema points at (lists and unions too)."""
    if "$ref" in schema:
        yield schema["$ref"].rsplit("/", 1)[1]
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from refs(schema[key])
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            yield from refs(part)


def test_every_property_of_every_schema_has_a_description(openapi):
    missing = [
        f"{name}.{prop}"
        for name, schema in openapi["components"]["schemas"].items()
        for prop, spec in schema.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert missing == []


def test_every_response_model_has_an_example(openapi):
    schemas = openapi["components"]["schemas"]
    without = set()
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                for content in response.get("content", {}).values():
                    if "example" in content or "examples" in content:
                        continue
                    for name in refs(content.get("schema", {})):
                        schema = schemas[name]
                        props = schema.get("properties", {}).values()
                        by_field = props and all("examples" in p for p in props)
                        if not (schema.get("examples") or schema.get("example") or by_field):
                            without.add(f"{name} ({method.upper()} {path} {status})")
    assert sorted(without) == []


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/v1/day-plans", {"404", "413", "422", "503"}),
        ("post", "/v1/territories", {"404", "413", "422", "503"}),
        ("post", "/v1/estimates", {"404", "413", "422", "503"}),
        ("post", "/v1/jobs", {"404", "413", "422"}),
        ("get", "/v1/jobs/{job_id}", {"404"}),
        ("delete", "/v1/jobs/{job_id}", {"404", "409"}),
        ("get", "/v1/jobs/{job_id}/results/{rep_id}", {"404", "409"}),
        ("get", "/v1/jobs/{job_id}/calendar.ics", {"404", "409"}),
        ("get", "/v1/jobs/{job_id}/route.gpx", {"404", "409"}),
        ("get", "/v1/networks/{name}", {"404"}),
    ],
)
def test_routes_document_the_error_statuses_they_can_give(openapi, method, path, statuses):
    responses = openapi["paths"][path][method]["responses"]
    assert statuses <= set(responses)
    for status in statuses:
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}
