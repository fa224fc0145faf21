"""SuppressionApiFunction (HTTP API v2 events) against the suppression table on the embedded
moto server, populated through the real service and repository."""

from __future__ import annotations

import base64
import io
import json
import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from adapters import factory
from adapters.suppression_client import SuppressionClient
from adapters.suppression_repository import DynamoSuppressionRepository
from domain.addresses import normalise_address
from domain.policy import PolicySettings
from domain.service import SuppressionService
from handlers import suppression_api
from tests.builders import T0, outcome, scoped_outcome

pytestmark = pytest.mark.integration

# hard bounces last 1 day, complaints never expire
SETTINGS = PolicySettings(hard_bounce_ttl_days=1)
NOW = T0 + timedelta(days=3)


@pytest.fixture
def store(suppression_table):
    """Apply outcomes to the table; the API reads it with its clock at NOW."""
    service = SuppressionService(DynamoSuppressionRepository(suppression_table, SETTINGS), SETTINGS)
    factory.override(client=SuppressionClient(suppression_table, clock=lambda: NOW))
    return service.apply_outcomes


def http_event(
    method: str, path: str, query: dict[str, str] | None = None, body: str | None = None
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event; rawPath stays percent-encoded."""
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": {"host": "api.example.test", "content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "::1"},
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = body
    return event


@pytest.fixture
def call(lambda_context):
    def invoke(
        method: str, path: str, query: dict[str, str] | None = None, body: Any = None
    ) -> tuple[int, Any]:
        text = body if body is None or isinstance(body, str) else json.dumps(body)
        response = suppression_api.lambda_handler(
            http_event(method, path, query, text), lambda_context
        )
        assert response["headers"]["Content-Type"] == "application/json"
        return response["statusCode"], json.loads(response["body"])

    return invoke


def test_get_one_address_is_the_check_json_object(store, call, suppression_table):
    store([outcome("complaint", 1, address="jane.doe@example.com")])
    status, body = call("GET", "/suppressions/" + quote("Jane.Doe@Example.COM", safe=""))
    assert status == 200
    expected = SuppressionClient(suppression_table, clock=lambda: NOW).check("Jane.Doe@Example.COM")
    assert body == expected.to_json()
    assert body["address"] == "Jane.Doe@Example.COM"  # as given, URL-decoded
    assert body["normalised"] == "jane.doe@example.com"
    assert body["suppressed"] is True
    assert (body["reason"], body["category"], body["expires_at"]) == (
        "feedback",
        "complaint",
        None,
    )


def test_unknown_address_is_not_suppressed(store, call):
    status, body = call("GET", "/suppressions/nobody%40example.com")
    assert status == 200
    assert body["suppressed"] is False
    assert body["address"] == "nobody@example.com"
    assert body["state"] is None


def test_unencoded_at_and_plus_in_the_path(store, call):
    store([outcome("complaint", 1, address="jane+news@example.com")])
    status, body = call("GET", "/suppressions/jane+news@example.com")
    assert status == 200
    assert body["address"] == "jane+news@example.com"  # "+" is not a space in a path
    assert body["suppressed"] is True


def test_expiry_is_applied(store, call):
    store(
        [
            outcome("hard", 0, address="old@example.com"),  # lapsed at day 1
            outcome("hard", 2.5, address="new@example.com"),  # in force until day 3.5
        ]
    )
    _, old = call("GET", "/suppressions/old%40example.com")
    _, new = call("GET", "/suppressions/new%40example.com")
    assert old["suppressed"] is False
    assert old["state"] == "suppressed"  # the item is still there, DynamoDB deletes it late
    assert old["expires_at"] == "2026-11-02T12:00:00Z"
    assert new["suppressed"] is True
    assert new["expires_at"] == "2026-11-05T00:00:00Z"
    _, listed = call("GET", "/suppressions", {"domain": "example.com"})
    assert [i["address"] for i in listed["items"]] == ["new@example.com"]


def test_invalid_address_is_400_without_echoing_it(store, call):
    status, body = call("GET", "/suppressions/" + quote("secret-token-no-at", safe=""))
    assert status == 400
    assert set(body) == {"error"}
    assert "secret-token-no-at" not in body["error"]


def test_check_keeps_order_and_duplicates(store, call):
    store(
        [
            outcome("hard", 2.5, address="b@example.com"),
            outcome("complaint", 1, address="d@example.org"),
        ]
    )
    addresses = ["d@example.org", "a@example.com", "B@Example.com", "d@example.org"]
    status, body = call("POST", "/suppressions/check", body={"addresses": addresses})
    assert status == 200
    results = body["results"]
    assert [r["address"] for r in results] == addresses
    assert [r["suppressed"] for r in results] == [True, False, True, True]
    assert results[2]["normalised"] == "b@example.com"
    assert results[2]["reason"] == "userunknown"
    assert results[0] == results[3]


# --- input that is not exactly one addr-spec is refused, never rewritten -----------

GARBAGE = [
    'evil\n{"to": "victim"}@example.com',  # a lenient parser made it "...}@example.com"
    "jane@example.com\r\nBcc: x@evil.example",
    "ja\x00ne@example.com",
    "jane@example.com, mary@example.com",
    "jane@example.com mary@example.com",
    '"Jane" <jane@example.com>',
    "Jane <jane@example.com>",
    "<jane@example.com>",
    '"jane doe"@example.com',
    '"x@evil.example"@example.com',
    "jane@example.com (comment)",
    "@example.com",
    "jane@",
    "jane@@example.com",
    "jane@[192.0.2.1]",
    "jane@-example.com",
    "jane@example..com",
    "jane@localhost",
    "jane..doe@example.com",
    "jane@xn--zz.example",
    "jane@straße.example",  # IDNA 2003 would quietly turn it into strasse.example
    "a" * 65 + "@example.com",
    "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example.org",  # 259 octets
    "jane\u200b@example.com",  # a zero-width space
]


@pytest.mark.parametrize("raw", GARBAGE)
def test_get_refuses_what_is_not_an_address(store, call, raw):
    store([outcome("complaint", 1, address="jane@example.com")])
    status, body = call("GET", "/suppressions/" + quote(raw, safe=""))
    assert status == 400, body
    assert set(body) == {"error"} and body["error"]
    assert raw not in body["error"]


def test_check_refuses_a_batch_with_bad_addresses_naming_each(store, call):
    store([outcome("complaint", 1, address="jane@example.com")])
    addresses = ["jane@example.com", GARBAGE[0], "mary@example.com", GARBAGE[5]]
    status, body = call("POST", "/suppressions/check", body={"addresses": addresses})
    assert status == 400
    assert set(body) == {"error", "invalid"}
    assert [i["index"] for i in body["invalid"]] == [1, 3]
    assert all(i["error"] for i in body["invalid"])
    assert "victim" not in json.dumps(body) and "Jane" not in json.dumps(body)
    # every garbage form, alone in a batch, is refused too
    for raw in GARBAGE:
        status, body = call("POST", "/suppressions/check", body={"addresses": [raw]})
        assert (status, [i["index"] for i in body.get("invalid", [])]) == (400, [0]), raw


def test_check_at_the_batch_limit_and_beyond(store, call):
    store([outcome("complaint", 1, address="u250@example.com")])
    addresses = [f"u{i}@example.com" for i in range(suppression_api.MAX_BATCH)]
    status, body = call("POST", "/suppressions/check", body={"addresses": addresses})
    assert status == 200  # 500 addresses: five BatchGetItem calls
    assert [r["address"] for r in body["results"]] == addresses
    assert [r["address"] for r in body["results"] if r["suppressed"]] == ["u250@example.com"]
    status, body = call(
        "POST", "/suppressions/check", body={"addresses": [*addresses, "one@more.example"]}
    )
    assert status == 400
    assert "500" in body["error"]


@pytest.mark.parametrize(
    "body",
    [
        '{"addresses": ["a@example.com",',
        "",
        '["a@example.com"]',
        '{"addresses": "a@example.com"}',
        '{"addresses": ["a@example.com", 7]}',
        '{"emails": []}',
    ],
    ids=["truncated", "empty", "list", "string", "non-string", "wrong-key"],
)
def test_check_rejects_malformed_bodies(store, call, body):
    status, answer = call("POST", "/suppressions/check", body=body)
    assert status == 400
    assert set(answer) == {"error"}


def test_check_accepts_a_base64_body(store, call, lambda_context):
    store([outcome("complaint", 1, address="a@example.com")])
    event = http_event("POST", "/suppressions/check")
    event["body"] = base64.b64encode(b'{"addresses": ["a@example.com"]}').decode()
    event["isBase64Encoded"] = True
    response = suppression_api.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["results"][0]["suppressed"] is True


def test_domain_listing_follows_next_across_pages(store, call):
    # 7 in force at the domain, 2 lapsed among them, 1 at another domain
    addresses = [f"user{i}@example.com" for i in range(7)]
    store([outcome("hard", 2.1 + i * 0.01, address=a) for i, a in enumerate(addresses)])
    store([outcome("hard", 0.1 * i, address=f"lapsed{i}@example.com") for i in range(2)])
    store([outcome("complaint", 1, address="x@example.org")])
    seen: list[str] = []
    query = {"domain": "Example.COM", "limit": "3"}
    pages = 0
    while True:
        status, body = call("GET", "/suppressions", query)
        assert status == 200
        assert len(body["items"]) <= 3
        assert all(i["suppressed"] for i in body["items"])
        seen += [i["address"] for i in body["items"]]
        pages += 1
        if body["next"] is None:
            break
        assert pages < 10
        query = {**query, "next": body["next"]}
    assert pages >= 3
    assert sorted(seen) == sorted(addresses)  # each once, lapsed ones skipped


def test_reason_since_listing(store, call):
    store(
        [
            outcome("hard", 2.25, address="at-bound@example.com"),  # exactly at `since`
            outcome("hard", 2.4, address="later@example.net"),
            outcome("hard", 2.1, address="earlier@example.com"),
            outcome("complaint", 2.3, address="complained@example.com"),
        ]
    )
    since = "2026-11-03T18:00:00Z"  # T0 + 2.25 days, without milliseconds
    status, body = call("GET", "/suppressions", {"reason": "userunknown", "since": since})
    assert status == 200
    assert body["next"] is None
    assert [i["address"] for i in body["items"]] == ["at-bound@example.com", "later@example.net"]
    assert {i["reason"] for i in body["items"]} == {"userunknown"}
    _, everything = call("GET", "/suppressions", {"reason": "userunknown"})
    assert len(everything["items"]) == 3


def test_reason_listing_pages(store, call):
    store([outcome("hard", 2.1 + i * 0.01, address=f"r{i}@example.com") for i in range(5)])
    first = call("GET", "/suppressions", {"reason": "userunknown", "limit": "2"})[1]
    assert len(first["items"]) == 2 and first["next"]
    rest: list[str] = []
    token = first["next"]
    while token:
        page = call("GET", "/suppressions", {"reason": "userunknown", "limit": "2", "next": token})[
            1
        ]
        rest += [i["address"] for i in page["items"]]
        token = page["next"]
    assert sorted([i["address"] for i in first["items"]] + rest) == [
        f"r{i}@example.com" for i in range(5)
    ]


def test_next_tokens_are_checked(store, call):
    store([outcome("hard", 2.1 + i * 0.01, address=f"t{i}@example.com") for i in range(3)])
    store([outcome("hard", 2.5, address="t@example.org")])
    _, first = call("GET", "/suppressions", {"domain": "example.com", "limit": "1"})
    token = first["next"]
    assert token
    # a token issued for one domain does not page through another
    status, body = call("GET", "/suppressions", {"domain": "example.org", "next": token})
    assert status == 400 and "token" in body["error"]
    # nor a reason query
    status, _ = call("GET", "/suppressions", {"reason": "userunknown", "next": token})
    assert status == 400
    status, _ = call("GET", "/suppressions", {"domain": "example.com", "next": "!!not-base64"})
    assert status == 400
    forged = base64.urlsafe_b64encode(b'{"address": {"S": "x"}}').decode()
    status, _ = call("GET", "/suppressions", {"domain": "example.com", "next": forged})
    assert status == 400


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"domain": "example.com", "reason": "userunknown"},
        {"domain": "example.com", "since": "2026-11-01T00:00:00Z"},
        {"domain": "example.com", "limit": "0"},
        {"domain": "example.com", "limit": str(suppression_api.MAX_PAGE_SIZE + 1)},
        {"domain": "example.com", "limit": "ten"},
        {"domain": "example.com", "limit": "²"},
        {"domain": "jane@example.com"},
        {"domain": "exa mple.com"},
        {"domain": "-bad-.example"},
        {"domain": "example..com"},
        {"reason": "userunknown", "since": "last tuesday"},
        {"reason": "user unknown"},
    ],
    ids=[
        "neither",
        "both",
        "since-with-domain",
        "limit-0",
        "limit-too-big",
        "limit-nan",
        "limit-superscript",
        "address-as-domain",
        "bad-domain",
        "bad-label",
        "empty-label",
        "bad-since",
        "bad-reason",
    ],
)
def test_listing_rejects_bad_queries(store, call, query):
    status, body = call("GET", "/suppressions", query)
    assert status == 400
    assert set(body) == {"error"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nothing"),
        ("DELETE", "/suppressions/a%40example.com"),
        ("GET", "/suppressions/a/b"),
    ],
)
def test_unknown_route_is_404(store, call, method, path):
    status, body = call(method, path)
    assert status == 404
    assert body == {"error": "no such route"}


def test_addresses_and_bodies_are_not_logged(store, call):
    store([outcome("complaint", 1, address="private.person@example.com")])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(suppression_api.logger.registered_formatter)
    suppression_api.logger.addHandler(handler)
    try:
        call("GET", "/suppressions/private.person%40example.com")
        call("POST", "/suppressions/check", body={"addresses": ["private.person@example.com"]})
        call("GET", "/suppressions/private-no-at")
        call("GET", "/suppressions", {"domain": "example.com"})
    finally:
        suppression_api.logger.removeHandler(handler)
    logged = stream.getvalue()
    assert "request served" in logged  # the logger did write
    assert "private" not in logged


def test_dates_in_answers_are_utc_iso(store, call):
    store([outcome("hard", 2.5, address="iso@example.com")])
    _, body = call("GET", "/suppressions/iso%40example.com")
    assert datetime.fromisoformat(body["expires_at"]).utcoffset() == timedelta(0)
    assert body["suppressed_at"] == "2026-11-04T00:00:00.000Z"


def test_domain_query_accepts_an_internationalised_name(store, call):
    # events carry normalised addresses (the parser normalises them)
    store([outcome("complaint", 1, address=normalise_address("jane@bücher.example"))])
    status, body = call("GET", "/suppressions", {"domain": "BÜCHER.example"})
    assert status == 200
    assert [i["address"] for i in body["items"]] == ["jane@xn--bcher-kva.example"]


def test_openapi_document_is_served_as_checked_in(call):
    status, body = call("GET", "/openapi.json")
    assert status == 200
    assert body == json.loads(suppression_api.OPENAPI_DOCUMENT.read_text("utf-8"))
    assert body["openapi"].startswith("3.1")
    assert "/suppressions/{address}" in body["paths"]


def test_list_route_receives_its_query_parameters(store, call):
    # The routes declare their query parameters as keyword-only arguments (for the OpenAPI
    # document); each must reach the route from the query string, and unknown ones must not.
    status, body = call("GET", "/suppressions", {"domain": "example.com", "limit": "0"})
    assert status == 400 and "limit" in body["error"]
    status, body = call("GET", "/suppressions", {"domain": "example.com", "bogus": "1"})
    assert status == 200 and body == {"items": [], "next": None}


# --- scopes: ?scope= and {"scope": ...} ----------------------------------------------------


@pytest.fixture
def scoped(store):
    store(
        [
            scoped_outcome("unsubscribe", 0, "news", address="reader@example.com"),
            outcome("complaint", 0, address="rick@example.com"),
        ]
    )


def test_get_with_a_scope(scoped, call):
    status, body = call("GET", "/suppressions/reader@example.com")
    assert status == 200
    assert (body["suppressed"], body["scope"], body["blocked_by"]) == (False, "global", None)
    status, body = call("GET", "/suppressions/reader@example.com", {"scope": "news:weekly"})
    assert status == 200
    assert (body["suppressed"], body["scope"], body["blocked_by"]) == (True, "news:weekly", "news")
    assert body["reason"] == "unsubscribe" and body["expires_at"] is None
    status, body = call("GET", "/suppressions/rick@example.com", {"scope": "news"})
    assert (body["suppressed"], body["blocked_by"]) == (True, "global")


def test_post_check_with_a_scope(scoped, call):
    addresses = ["reader@example.com", "rick@example.com", "new@example.com"]
    status, body = call("POST", "/suppressions/check", body={"addresses": addresses})
    assert status == 200
    assert [r["suppressed"] for r in body["results"]] == [False, True, False]
    status, body = call(
        "POST", "/suppressions/check", body={"addresses": addresses, "scope": "News"}
    )
    assert status == 200
    assert [(r["suppressed"], r["blocked_by"]) for r in body["results"]] == [
        (True, "news"),
        (True, "global"),
        (False, None),
    ]
    assert {r["scope"] for r in body["results"]} == {"news"}


@pytest.mark.parametrize("bad", ["not a scope", "a::b", "x" * 200])
def test_an_invalid_scope_is_a_400_that_does_not_quote_it(scoped, call, bad):
    status, body = call("GET", "/suppressions/reader@example.com", {"scope": bad})
    assert status == 400
    assert body["error"].startswith("scope is not valid")
    assert bad not in body["error"]
    status, body = call(
        "POST", "/suppressions/check", body={"addresses": ["reader@example.com"], "scope": bad}
    )
    assert status == 400 and body["error"].startswith("scope is not valid")


def test_a_scope_that_is_not_a_string_is_a_400(scoped, call):
    status, body = call(
        "POST", "/suppressions/check", body={"addresses": ["reader@example.com"], "scope": 7}
    )
    assert (status, body["error"]) == (400, "scope must be a string")
