"""The one-click request body (RFC 8058) and the outcome a genuine token gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.one_click import (
    MAX_BODY_BYTES,
    NotOneClickError,
    check_one_click_body,
    one_click_outcome,
)
from domain.policy import is_relevant
from domain.unsubscribe_token import UnsubscribeRequest
from domain.verdicts import Verdict
from domain.vocabulary import Reason
from tests.one_click import BOUNDARY, FORM_BODY, multipart_body

FORM = "application/x-www-form-urlencoded"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, FORM_BODY),
        ("Application/X-WWW-Form-Urlencoded; charset=UTF-8", FORM_BODY),
        (FORM, b"List-Unsubscribe=One-Click&other=1"),
        (MULTIPART, multipart_body()),
        (
            f'multipart/form-data; boundary="{BOUNDARY}"',
            b"preamble\r\n"
            + multipart_body("x", "other").removesuffix(f"--{BOUNDARY}--\r\n".encode())
            + multipart_body(),
        ),
    ],
)
def test_one_click_bodies_are_accepted(content_type, body):
    check_one_click_body(content_type, body)


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        (None, FORM_BODY, 415),
        ("text/plain", FORM_BODY, 415),
        ("application/json", b'{"List-Unsubscribe": "One-Click"}', 415),
        (FORM, b"", 400),
        (FORM, b"List-Unsubscribe=one-click", 400),  # the value is case-sensitive
        (FORM, b"List-Unsubscribe=Yes", 400),
        (FORM, b"list-unsubscribe=One-Click", 400),
        (FORM, b"List-Unsubscribe=One-Click\xff", 400),
        (MULTIPART, multipart_body("Yes"), 400),
        (MULTIPART, multipart_body(name="Other"), 400),
        ("multipart/form-data", multipart_body(), 400),  # no boundary
        ("multipart/form-data; boundary=elsewhere", multipart_body(), 400),
        (FORM, FORM_BODY + b"&x=" + b"a" * MAX_BODY_BYTES, 413),
        (MULTIPART, multipart_body("a" * MAX_BODY_BYTES), 413),
    ],
)
def test_other_bodies_are_refused_with_a_status_and_no_echo(content_type, body, status):
    with pytest.raises(NotOneClickError) as caught:
        check_one_click_body(content_type, body)
    assert caught.value.status == status
    assert "aaaa" not in str(caught.value) and "Yes" not in str(caught.value)


def test_the_outcome_comes_from_the_token_alone():
    minted = datetime(2026, 11, 30, 12, tzinfo=UTC)
    request = UnsubscribeRequest("jane@example.com", "marketing", minted, "ab" * 16)
    outcome = one_click_outcome(request)
    assert outcome.address == "jane@example.com"
    assert outcome.scope == "marketing"
    assert outcome.event_type == "OneClickUnsubscribe"
    assert outcome.event_id == f"one-click:{'ab' * 16}"
    assert outcome.occurred_at == minted
    assert outcome.source == "one-click"
    assert outcome.classification.reason == Reason.UNSUBSCRIBE
    # as the unsubscribe mailbox: suppresses, but is not counted as a complaint
    assert outcome.classification.verdict is Verdict.UNDETERMINED
    assert is_relevant(outcome)
    assert one_click_outcome(request) == outcome  # a replay is the same outcome
