"""SuppressionApiFunction: a read-only HTTP API over the suppression table (API Gateway HTTP
API, payload format 2.0, IAM authorization), for services that cannot read DynamoDB.

    GET  /suppressions/{address}[?scope=S]        one status object
    POST /suppressions/check  {"addresses": [...], "scope": S?}
                                                  {"results": [status, ...]}, in input order
                                                  (400 naming every input that is not an address)
    GET  /suppressions?domain=D                   {"items": [...], "next": token | null}
    GET  /suppressions?reason=R[&since=T]         same shape (index by-reason)

Status objects are `SuppressionStatus.to_json()`, the same objects `ses-feedback check --json`
prints, so expiry is applied the same way everywhere (docs/schema.md). `scope` (default
global) is the mail stream asked about: a global suppression or one in a scope covering it
refuses, and `blocked_by` names which; a scope that is not a scope name is a 400.
Addresses and bodies are personal data and are never logged; errors are `{"error": "..."}`
with a 4xx status.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters import factory
from adapters.suppression_client import InvalidPageTokenError, SuppressionPage
from domain.addresses import InvalidAddressError, domain_of, normalise_addr_spec
from domain.events import parse_timestamp
from domain.record_codec import iso
from domain.scopes import InvalidScopeError, normalise_scope

MAX_BATCH = 500  # addresses per POST /suppressions/check
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
_REASON = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DOMAIN = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")
_NOT_IN_DOMAINS = set(' \t\r\n<>()[]",;:@')
_SINCE_EVER = "0"  # sorts before every ISO 8601 time

logger = Logger()
app = APIGatewayHttpResolver()


class BadRequestError(ValueError):
    """The request cannot be answered as sent; the message goes back to the caller, so it
    must never quote the request's content."""


class InvalidBatchError(BadRequestError):
    """Some inputs of POST /suppressions/check are not addresses; `invalid` lists them by
    position, with the reason."""

    def __init__(self, invalid: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(invalid)} of the addresses are not valid addresses")
        self.invalid = invalid


def _error(status: int, message: str, **extra: Any) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": message, **extra}),
    )


def _bad_request(exc: BadRequestError) -> Response[str]:
    logger.info("request rejected", extra={"reason": str(exc)})
    if isinstance(exc, InvalidBatchError):
        return _error(400, str(exc), invalid=exc.invalid)
    return _error(400, str(exc))


# Registered by call: Powertools' exception_handler decorator is untyped.
app.exception_handler(BadRequestError)(_bad_request)


@app.not_found
def _not_found(exc: Exception) -> Response[str]:
    return _error(404, "no such route")


@app.get("/suppressions/<address>")
def get_suppression(address: str) -> dict[str, Any]:
    # The path may reach us percent-encoded or already decoded, depending on the source
    # (API Gateway, sam local, tests). Decoding a decoded path changes nothing unless the
    # address holds a literal "%xx"; such callers use POST /suppressions/check.
    params = app.current_event.query_string_parameters or {}
    scope = _scope(params.get("scope"))
    status = factory.suppression_client().check(unquote(address), scope)
    if status.error:
        raise BadRequestError(status.error)
    return status.to_json()


@app.post("/suppressions/check")
def check_suppressions() -> dict[str, Any]:
    body = _json_body()
    addresses = body.get("addresses") if isinstance(body, dict) else None
    if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
        raise BadRequestError('body must be {"addresses": ["...", ...]}')
    if len(addresses) > MAX_BATCH:
        raise BadRequestError(f"at most {MAX_BATCH} addresses per request")
    raw_scope = body.get("scope")
    if raw_scope is not None and not isinstance(raw_scope, str):
        raise BadRequestError("scope must be a string")
    scope = _scope(raw_scope)
    invalid = _invalid_addresses(addresses)
    if invalid:
        # The whole batch fails (fail closed: no "suppressed": false for an input that is not
        # an address); every bad position is named so the caller can drop them and resend.
        raise InvalidBatchError(invalid)
    logger.append_keys(addresses=len(addresses))
    statuses = factory.suppression_client().check_many(addresses, scope)
    # check_many answers each distinct input once; repeat duplicates so results line up.
    return {"results": [statuses[a].to_json() for a in addresses]}


@app.get("/suppressions")
def list_suppressions() -> dict[str, Any]:
    params = app.current_event.query_string_parameters or {}
    domain, reason, since = params.get("domain"), params.get("reason"), params.get("since")
    if bool(domain) == bool(reason):
        raise BadRequestError("give exactly one of the query parameters domain or reason")
    if domain and since is not None:
        raise BadRequestError("since applies to reason queries only")
    limit = _page_size(params.get("limit"))
    token = params.get("next") or None
    client = factory.suppression_client()
    try:
        page: SuppressionPage
        if domain:
            page = client.page_by_domain(_domain(domain), limit=limit, token=token)
        else:
            page = client.page_since(_reason(reason or ""), _since(since), limit=limit, token=token)
    except InvalidPageTokenError as exc:
        raise BadRequestError(str(exc)) from None
    logger.append_keys(items=len(page.items), more=page.next_token is not None)
    return {"items": [s.to_json() for s in page.items], "next": page.next_token}


def _invalid_addresses(addresses: list[str]) -> list[dict[str, Any]]:
    """Position and reason of each input that is not exactly one addr-spec (the reason
    never quotes the input)."""
    invalid = []
    for index, raw in enumerate(addresses):
        try:
            normalise_addr_spec(raw)
        except InvalidAddressError as exc:
            invalid.append({"index": index, "error": str(exc)})
    return invalid


def _json_body() -> Any:
    text = app.current_event.decoded_body
    if not text:
        raise BadRequestError("a JSON body is required")
    try:
        return json.loads(text)
    except ValueError:  # JSONDecodeError and invalid UTF-8 alike
        raise BadRequestError("body is not valid JSON") from None


def _page_size(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise BadRequestError(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}")
    return int(raw)


def _domain(raw: str) -> str:
    """The stored form of a domain (lower case, IDN in punycode), via the address
    normaliser so both always agree."""
    if "@" in raw:
        raise BadRequestError("domain must be a domain name, not an address")
    try:
        if _NOT_IN_DOMAINS.intersection(raw):
            raise InvalidAddressError("not a domain")
        domain = domain_of(normalise_addr_spec(f"postmaster@{raw}"))
    except InvalidAddressError:
        domain = ""
    if not _DOMAIN.fullmatch(domain):
        raise BadRequestError("domain is not a valid domain name")
    return domain


def _scope(raw: str | None) -> str:
    try:
        return normalise_scope(raw)
    except InvalidScopeError as exc:  # the message never quotes the input
        raise BadRequestError(f"scope is not valid: {exc}") from None


def _reason(raw: str) -> str:
    if not _REASON.fullmatch(raw):
        raise BadRequestError("reason must be a taxonomy reason such as userunknown")
    return raw


def _since(raw: str | None) -> str:
    """suppressed_at is stored as ISO 8601 UTC with milliseconds and compared as text, so
    the bound is rewritten in that exact form ("...T00:00:00Z" would sort after
    "...T00:00:00.000Z" and miss it)."""
    if raw is None or raw == "":
        return _SINCE_EVER
    parsed = parse_timestamp(raw)
    if parsed is None:
        raise BadRequestError("since must be an ISO 8601 time, e.g. 2026-11-01T00:00:00Z")
    return iso(parsed)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = app.resolve(event, context)
    # routeKey is the route template ("GET /suppressions/{address}"), never the address.
    logger.info(
        "request served",
        extra={"route": event.get("routeKey"), "status": response.get("statusCode")},
    )
    return response
