"""The read API's OpenAPI document: generated from the handler's routes by Powertools,
checked in (docs/openapi.json) and shipped with the function, and true to the code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import yaml
from tools import openapi

from adapters.suppression_client import SuppressionStatus
from handlers import suppression_api
from handlers import suppression_api_schemas as schemas

ROOT = Path(__file__).resolve().parents[2]


def _document() -> dict:
    return json.loads((ROOT / "docs" / "openapi.json").read_text("utf-8"))


def test_checked_in_documents_match_a_fresh_generation(capsys):
    # Fails when a route, parameter or schema changed without `make openapi`.
    assert openapi.main(["--check"]) == 0, capsys.readouterr().err
    shipped = suppression_api.OPENAPI_DOCUMENT.read_text("utf-8")
    assert shipped == (ROOT / "docs" / "openapi.json").read_text("utf-8")


def test_every_route_is_documented_and_every_documented_route_is_deployed():
    documented = {
        (method.upper(), path)
        for path, operations in _document()["paths"].items()
        for method in operations
    }
    routes = {
        (route.method, route.openapi_path)
        for route in suppression_api.app._static_routes + suppression_api.app._dynamic_routes
    }
    assert documented == routes

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text("utf-8"), Loader=Loader)
    events = template["Resources"]["SuppressionApiFunction"]["Properties"]["Events"]
    deployed = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()}
    assert deployed == documented


def test_query_parameters_of_the_list_route_are_documented():
    parameters = _document()["paths"]["/suppressions"]["get"]["parameters"]
    assert {p["name"] for p in parameters if p["in"] == "query"} == {
        "domain",
        "reason",
        "since",
        "limit",
        "next",
    }
    address = _document()["paths"]["/suppressions/{address}"]["get"]["parameters"]
    assert [(p["name"], p["in"], p["required"]) for p in address] == [
        ("address", "path", True),
        ("scope", "query", False),
    ]


def test_status_schema_lists_exactly_what_the_api_returns():
    plain = SuppressionStatus("a@example.com", "a@example.com", False).to_json()
    full = SuppressionStatus(
        "A@Example.com",
        "a@example.com",
        True,
        state="suppressed",
        reason="userunknown",
        category="invalid-address",
        expires_at=datetime(2027, 1, 1, tzinfo=UTC),
        suppressed_at="2026-11-30T00:00:00.000Z",
        error="x",
    ).to_json()
    assert set(schemas.STATUS["properties"]) == set(plain) | set(full)
    assert set(schemas.STATUS["required"]) <= set(plain)


def test_every_operation_answers_json_with_a_described_schema():
    for path, operations in _document()["paths"].items():
        for method, operation in operations.items():
            assert operation["summary"], (method, path)
            for status, response in operation["responses"].items():
                assert response["description"], (method, path, status)
                assert "application/json" in response["content"], (method, path, status)
            if method == "post":
                assert operation["requestBody"]["required"] is True


def test_unused_validation_components_are_left_out():
    # The API answers bad input with 400 {"error": ...}, never Powertools' 422 shapes.
    text = json.dumps(_document())
    assert "HTTPValidationError" not in text
    assert "422" not in _document()["paths"]["/suppressions"]["get"]["responses"]


def test_serving_the_api_never_loads_pydantic():
    # Generation needs pydantic (development only); the function must not, or every cold
    # start pays for it. A fresh interpreter imports the handler and reports what loaded.
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, 'src'); import handlers.suppression_api; "
        "print(any(m == 'pydantic' or m.startswith('pydantic.') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
