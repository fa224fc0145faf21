"""UnsubscribeFunction with fakes: what reaches the suppression service, and what never does."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterable, Iterator
from datetime import timedelta

import pytest

from adapters import factory
from domain.events import RecipientOutcome
from domain.service import ApplyResult
from domain.unsubscribe_token import UnsubscribeTokens
from handlers import unsubscribe
from tests.one_click import (
    BOUNDARY,
    FORM_BODY,
    demo_tokens,
    function_url_event,
    multipart_body,
    one_click_post,
)
from tests.one_click import SAMPLE_MINTED_AT as MINTED

RECIPIENT = "jane.doe@example.com"
NOW = MINTED + timedelta(days=3)


class RecordingService:
    """Stands in for SuppressionService: remembers what it was asked to apply."""

    def __init__(self) -> None:
        self.calls: list[list[RecipientOutcome]] = []

    def apply_outcomes(self, outcomes: Iterable[RecipientOutcome]) -> ApplyResult:
        batch = list(outcomes)
        self.calls.append(batch)
        return ApplyResult(outcomes=len(batch), relevant=len(batch), written=len(batch))


@pytest.fixture
def service() -> Iterator[RecordingService]:
    fake = RecordingService()
    factory.reset()
    factory.override(fake, unsubscribe_tokens=demo_tokens(), clock=lambda: NOW)
    yield fake
    factory.reset()


def token(scope: str | None = None, recipient: str = RECIPIENT) -> str:
    return demo_tokens().mint(recipient, scope, MINTED)


def test_post_applies_the_tokens_unsubscribe_once_per_request(service, lambda_context):
    response = unsubscribe.lambda_handler(one_click_post(token("marketing")), lambda_context)
    assert response["statusCode"] == 200, response
    assert "Unsubscribed" in response["body"]
    [[outcome]] = service.calls
    assert outcome.address == RECIPIENT
    assert outcome.scope == "marketing"
    assert outcome.event_type == "OneClickUnsubscribe"
    assert outcome.source == "one-click"
    assert outcome.occurred_at == MINTED
    assert outcome.classification.reason == "unsubscribe"


def test_a_form_encoded_post_works_too(service, lambda_context):
    event = one_click_post(token(), multipart=False)
    assert unsubscribe.lambda_handler(event, lambda_context)["statusCode"] == 200
    [[outcome]] = service.calls
    assert (outcome.address, outcome.scope) == (RECIPIENT, "global")


def test_replays_hand_the_service_the_same_outcome(service, lambda_context):
    event = one_click_post(token())
    for _ in range(3):
        assert unsubscribe.lambda_handler(event, lambda_context)["statusCode"] == 200
    assert len(service.calls) == 3
    assert service.calls[0] == service.calls[1] == service.calls[2]


def test_replays_write_once_through_the_real_service(memory_service, memory_repo, lambda_context):
    factory.reset()
    factory.override(memory_service, unsubscribe_tokens=demo_tokens(), clock=lambda: NOW)
    event = one_click_post(token())
    for hours in (0, 1, 30):  # later POSTs of the same link, at other times
        factory.override(clock=lambda h=hours: NOW + timedelta(hours=h))
        assert unsubscribe.lambda_handler(event, lambda_context)["statusCode"] == 200
    record = memory_repo.get(RECIPIENT)
    assert record is not None and record.version == 1  # one write, not three
    assert record.is_suppressed(NOW + timedelta(days=400))  # ComplaintTtlDays 0: no end
    assert record.decision.reason == "unsubscribe"
    factory.reset()


def test_get_shows_a_form_and_changes_nothing(service, lambda_context):
    for method in ("GET", "HEAD"):
        event = function_url_event(method, f"/unsubscribe/{token('newsletter')}")
        response = unsubscribe.lambda_handler(event, lambda_context)
        assert response["statusCode"] == 200
        body = response["body"]
        assert '<form method="post"' in body and "action=" not in body
        assert 'name="List-Unsubscribe" value="One-Click"' in body
        assert "&ldquo;newsletter&rdquo;" in body
        assert RECIPIENT not in body
    assert service.calls == []


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("text/plain", FORM_BODY, 415),
        (None, FORM_BODY, 415),
        ("application/x-www-form-urlencoded", b"", 400),
        ("application/x-www-form-urlencoded", b"List-Unsubscribe=Yes", 400),
        (f"multipart/form-data; boundary={BOUNDARY}", multipart_body("No"), 400),
        ("application/x-www-form-urlencoded", FORM_BODY + b"&" + b"x" * 5000, 413),
        ("application/x-www-form-urlencoded", b"x" * 2_000_000, 413),
    ],
)
def test_posts_that_are_not_one_click_change_nothing(
    service, lambda_context, content_type, body, status
):
    event = function_url_event("POST", f"/unsubscribe/{token()}", body, content_type)
    response = unsubscribe.lambda_handler(event, lambda_context)
    assert response["statusCode"] == status
    assert service.calls == []


def test_a_body_that_is_not_base64_is_refused(service, lambda_context):
    event = one_click_post(token())
    event["body"] = "%%%not base64%%%"
    assert unsubscribe.lambda_handler(event, lambda_context)["statusCode"] == 400
    assert service.calls == []


def tampered(text: str) -> str:
    middle = len(text) // 2
    return text[:middle] + ("A" if text[middle] != "A" else "B") + text[middle + 1 :]


@pytest.mark.parametrize(
    ("make_path", "status"),
    [
        (lambda: f"/unsubscribe/{tampered(token())}", 400),
        (lambda: f"/unsubscribe/{token()[:-4]}", 400),
        (lambda: "/unsubscribe/" + "A" * 40, 400),
        (
            lambda: (
                "/unsubscribe/" + demo_tokens().mint(RECIPIENT, None, MINTED - timedelta(days=91))
            ),
            410,
        ),
        (
            lambda: "/unsubscribe/" + demo_tokens().mint(RECIPIENT, None, NOW + timedelta(hours=1)),
            410,
        ),
        (lambda: "/unsubscribe/" + "A" * 600, 404),
        (lambda: "/unsubscribe/", 404),
        (lambda: "/", 404),
        (lambda: f"/other/{token()}", 404),
        (lambda: f"/unsubscribe/{token()}/extra", 404),
        (lambda: f"/unsubscribe/{token()}%00", 404),
    ],
)
def test_bad_tokens_and_paths_are_4xx_and_never_reach_the_service(
    service, lambda_context, make_path, status
):
    path = make_path()
    for event in (one_click_post("x"), function_url_event("GET", path)):
        event["rawPath"] = path
        response = unsubscribe.lambda_handler(event, lambda_context)
        assert response["statusCode"] == status, (path, response)
        segment = path.rsplit("/", 1)[-1]
        assert not segment or segment not in response["body"]  # never echoed
    assert service.calls == []


def test_a_token_behind_a_custom_domain_prefix_is_found(service, lambda_context):
    event = one_click_post(token())
    event["rawPath"] = f"/mail/links/unsubscribe/{token()}"
    assert unsubscribe.lambda_handler(event, lambda_context)["statusCode"] == 200
    assert len(service.calls) == 1


def test_other_methods_are_405(service, lambda_context):
    for method in ("PUT", "DELETE", "OPTIONS", "PATCH"):
        response = unsubscribe.lambda_handler(
            function_url_event(method, f"/unsubscribe/{token()}"), lambda_context
        )
        assert response["statusCode"] == 405
        assert response["headers"]["allow"] == "GET, HEAD, POST"
    assert service.calls == []


def test_every_answer_is_uncached_and_sends_no_referrer(service, lambda_context):
    for event in (
        one_click_post(token()),
        function_url_event("GET", f"/unsubscribe/{token()}"),
        function_url_event("GET", f"/unsubscribe/{tampered(token())}"),
    ):
        headers = unsubscribe.lambda_handler(event, lambda_context)["headers"]
        assert headers["cache-control"] == "no-store"
        assert headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in headers["content-security-policy"]


def test_invalid_tokens_get_one_answer_whatever_the_reason(service, lambda_context):
    bodies = set()
    for path in (
        f"/unsubscribe/{tampered(token())}",
        "/unsubscribe/" + "A" * 40,
        "/unsubscribe/" + UnsubscribeTokens([b"someone-elses-key-0123456"]).mint(RECIPIENT),
        "/unsubscribe/" + base64.urlsafe_b64encode(b"\x02" + b"\x00" * 40).decode().rstrip("="),
    ):
        response = unsubscribe.lambda_handler(function_url_event("GET", path), lambda_context)
        assert response["statusCode"] == 400
        bodies.add(response["body"])
    assert len(bodies) == 1  # malformed, forged or another key: nothing to tell apart


def test_the_log_holds_neither_the_address_nor_the_token(service, lambda_context):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(unsubscribe.logger.registered_formatter)
    unsubscribe.logger.addHandler(handler)
    try:
        send_good_and_bad_requests(lambda_context)
    finally:
        unsubscribe.logger.removeHandler(handler)
    out = stream.getvalue()
    records = [json.loads(line) for line in out.splitlines()]
    assert any(r.get("message") == "one-click unsubscribe applied" for r in records)
    assert any(r.get("message") == "unsubscribe request refused" for r in records)
    good = token()
    for text in (RECIPIENT, "jane", good, tampered(good)):
        assert text not in out


def send_good_and_bad_requests(lambda_context) -> None:
    good = token()
    unsubscribe.lambda_handler(one_click_post(good), lambda_context)
    unsubscribe.lambda_handler(function_url_event("GET", f"/unsubscribe/{good}"), lambda_context)
    bad = tampered(good)
    unsubscribe.lambda_handler(
        one_click_post(bad) | {"rawPath": f"/unsubscribe/{bad}"}, lambda_context
    )
