"""The notice parser: enclosed messages and delivery reports stay text (mime.NoticeMessage)."""

from __future__ import annotations

import email
from email.policy import compat32

from bench.classifier import load_corpus

from domain.classify import analyse_message, dsn, mime

_NOTICE = b"""\
From: MAILER-DAEMON@mx.example.org
To: sender@example.org
Subject: Returned mail
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; first@example.com
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; 550-Please turn on SMTP Authentication in your mail client.
550-mx.example.net [192.0.2.1]:25 is not permitted to
550 relay through this server without authentication.

--B
Content-Type: message/rfc822

From: sender@example.org
To: first@example.com
Subject: hello
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="I"

--I
Content-Type: text/plain

hi
--I--

--B--
"""


def test_enclosed_message_and_report_are_kept_as_text_with_their_declared_types() -> None:
    msg = mime.parse(_NOTICE)
    walked = mime.walk_outer(msg)
    types = [ctype for _, ctype in walked]
    assert types == ["multipart/report", "text/plain", "message/delivery-status", "message/rfc822"]
    for part, ctype in walked[2:]:
        assert isinstance(part.get_payload(), str), ctype  # not parsed into sub-messages
    assert "Final-Recipient: rfc822; first@example.com" in dsn.delivery_status_text(walked[2][0])


def test_declared_type_follows_header_changes() -> None:
    part = mime.parse(b"Content-Type: text/plain\n\nx")
    assert mime.content_type(part) == "text/plain"
    part.replace_header("Content-Type", "message/rfc822")
    assert mime.content_type(part) == "message/rfc822"
    del part["Content-Type"]
    assert mime.content_type(part) == "text/plain"  # the default type


def test_unfolded_multi_line_reply_in_diagnostic_code_is_kept_whole() -> None:
    c = analyse_message(_NOTICE).recipients[0].classification
    assert c.diagnostic is not None
    assert "relay through this server without authentication" in c.diagnostic
    assert c.reason == "securityerror"


def test_every_corpus_message_has_the_same_parts_as_the_stdlib_parse() -> None:
    # the notice parser may leave enclosed parts unparsed, never lose or reorder outer ones
    for row, raw in load_corpus():
        ours = [ctype for _, ctype in mime.walk_outer(mime.parse(raw))]
        theirs = []
        stack = [email.message_from_bytes(raw[: mime.MAX_MESSAGE_BYTES], policy=compat32)]
        while stack:
            part = stack.pop()
            ctype = mime.content_type(part)
            theirs.append(ctype)
            if part.is_multipart() and ctype not in mime.ENCLOSED_TYPES | dsn.DSN_TYPES:
                stack.extend(reversed(part.get_payload()))
        assert ours == theirs[: mime.MAX_PARTS], row["file"]


def test_nested_multipart_whose_boundary_is_lost_is_read_as_text() -> None:
    # the boundary parameter sits on an unfolded line, so the parser never splits the part
    raw = b"""\
From: postmaster@mx.example.net
To: sender@example.com
Subject: Re: hello
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="OUTER"

--OUTER
Content-Type: multipart/alternative;
boundary="INNER"

--INNER
Content-Type: text/plain

Error: Invalid user address
550 5.1.1 Requested action not taken: no such user here
  RCPT TO: rcpt@example.net

--INNER--

--OUTER--
"""
    report = analyse_message(raw)
    assert report.kind == "bounce"
    assert report.recipients[0].address == "rcpt@example.net"
    assert report.recipients[0].classification.reason == "userunknown"
