"""JSON Schemas of the suppression read API's bodies, as plain dicts.

They feed the OpenAPI document Powertools generates from the routes in
`handlers.suppression_api` (`make openapi`). Plain dicts rather than pydantic models: the
function answers without request validation, so pydantic never loads at run time (it would
add ~0.4 s to every cold start). `tests/unit/test_openapi.py` checks the status schema against
`SuppressionStatus.to_json()` so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Final

# A TypedDict module (no pydantic): cheap to import at run time.
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

JSON: Final = "application/json"

_NULLABLE_STRING: Final = {"type": ["string", "null"]}

STATUS: Final[dict[str, Any]] = {
    "type": "object",
    "description": "Whether one address may be mailed, with the expiry already applied.",
    "required": [
        "address",
        "normalised",
        "suppressed",
        "state",
        "reason",
        "category",
        "scope",
        "blocked_by",
    ],
    "properties": {
        "address": {"type": "string", "description": "the address as the caller gave it"},
        "normalised": {
            **_NULLABLE_STRING,
            "description": "the table key (lower case, IDN domain in punycode); null when the "
            "input is not an address",
        },
        "suppressed": {
            "type": "boolean",
            "description": "true: do not send. Expiry is already applied",
        },
        "state": {
            "type": ["string", "null"],
            "enum": ["suppressed", "watching", "allowed", "clear", None],
            "description": "the item's state; null when the table holds nothing for the address",
        },
        "reason": {**_NULLABLE_STRING, "description": "taxonomy reason of the state shown"},
        "category": {**_NULLABLE_STRING, "description": "verdict or kind of that reason"},
        "expires_at": {
            **_NULLABLE_STRING,
            "format": "date-time",
            "description": "when the suppression lapses; null = never (or not suppressed)",
        },
        "suppressed_at": {
            **_NULLABLE_STRING,
            "format": "date-time",
            "description": "start of the suppression in force",
        },
        "scope": {
            "type": "string",
            "description": "the scope asked about (`global` unless the request named one)",
        },
        "blocked_by": {
            **_NULLABLE_STRING,
            "description": "the scope whose suppression refuses the address (`global` first "
            "when several do); null when sendable. `reason`, `category` and `suppressed_at` "
            "are then that suppression's; `state` is always the global state",
        },
        "error": {"type": "string", "description": "why the input could not be checked"},
    },
}

ERROR: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "what is wrong; never quotes the request"},
        "invalid": {
            "type": "array",
            "description": "POST /suppressions/check only: each input that is not an address",
            "items": {
                "type": "object",
                "required": ["index", "error"],
                "properties": {"index": {"type": "integer"}, "error": {"type": "string"}},
            },
        },
    },
}

CHECK_REQUEST: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["addresses"],
    "properties": {
        "addresses": {
            "type": "array",
            "items": {"type": "string"},
            "description": "bare addresses (addr-spec), at most 500",
        },
        "scope": {
            "type": "string",
            "description": "the mail stream asked about (default `global`); a suppression in "
            "a covering scope or a global one refuses",
        },
    },
}

CHECK_RESPONSE: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["results"],
    "properties": {
        "results": {
            "type": "array",
            "items": STATUS,
            "description": "one status per input, in input order",
        },
    },
}

PAGE: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["items", "next"],
    "properties": {
        "items": {"type": "array", "items": STATUS},
        "next": {
            **_NULLABLE_STRING,
            "description": "pass as `next` to get the following page; null on the last page",
        },
    },
}


def json_body(schema: dict[str, Any], description: str) -> OpenAPIResponse:
    """An OpenAPI response (or request body) object carrying JSON of that schema."""
    return {"description": description, "content": {JSON: {"schema": schema}}}


def error_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    text = {400: "the request cannot be answered as sent", 404: "no such route"}
    return {status: json_body(ERROR, text[status]) for status in statuses}
