"""Property tests: malformed input never makes the classifier raise."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.classify import (
    KINDS,
    MessageReport,
    analyse_message,
    classify_ses_bounce_recipient,
    classify_ses_delay_recipient,
    classify_ses_message,
)
from domain.verdicts import Verdict

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "bounces"
# A fixed, varied subset keeps the suite fast.
SEEDS = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))[::6]]

PROPS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _valid(report: MessageReport) -> None:
    assert isinstance(report, MessageReport)
    assert report.kind in KINDS
    for r in report.recipients:
        assert isinstance(r.classification.verdict, Verdict)
        assert r.address is None or r.address == r.address.lower()
    if report.kind == "other":
        assert report.error
    report.to_json_dict("x")  # serialisable shape


seed = st.sampled_from(SEEDS)


@PROPS
@given(seed, st.floats(min_value=0.0, max_value=1.0))
def test_truncated(raw: bytes, frac: float) -> None:
    _valid(analyse_message(raw[: int(len(raw) * frac)]))


@PROPS
@given(seed, st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=40))
def test_flipped_bytes(raw: bytes, flips: list[tuple[float, int]]) -> None:
    data = bytearray(raw)
    for pos, value in flips:
        if data:
            data[min(int(pos * len(data)), len(data) - 1)] = value
    _valid(analyse_message(bytes(data)))


@PROPS
@given(seed)
def test_dropped_boundaries(raw: bytes) -> None:
    lines = [line for line in raw.split(b"\n") if not line.startswith(b"--")]
    _valid(analyse_message(b"\n".join(lines)))
    _valid(analyse_message(raw.replace(b"boundary=", b"boundery=")))


@PROPS
@given(seed, st.binary(min_size=1, max_size=200))
def test_eight_bit_headers(raw: bytes, junk: bytes) -> None:
    hdr = b"Subject: \xff\xfe" + junk.replace(b"\n", b" ") + b"\nContent-Type: multipart/report;"
    hdr += b' boundary="\xe9\xe8"; charset=x-unknown-\xff\n'
    _valid(analyse_message(hdr + raw))


@settings(max_examples=20, deadline=None)
@given(seed, st.integers(200_000, 3_000_000), st.sampled_from([b"a", b"5", b"@", b" ", b"("]))
def test_huge_single_line(raw: bytes, size: int, char: bytes) -> None:
    head, _, body = raw.partition(b"\n\n")
    _valid(analyse_message(head + b"\n\n" + char * size + b"\n" + body))


@PROPS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(raw: bytes) -> None:
    _valid(analyse_message(raw))


json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30)
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
field = st.one_of(
    json_value,
    st.sampled_from(
        [
            "Bounce",
            "Complaint",
            "Delivery",
            "DeliveryDelay",
            "Permanent",
            "Transient",
            "General",
            "failed",
            "delayed",
            "5.1.1",
            "4.4.7",
            "smtp; 550 5.1.1 user unknown",
            "not-spam",
        ]
    ),
)


@st.composite
def ses_objects(draw: st.DrawFn) -> dict[str, object]:
    kind = draw(st.sampled_from(["Bounce", "Complaint", "Delivery", "DeliveryDelay", "Open"]))
    key = {
        "Bounce": "bounce",
        "Complaint": "complaint",
        "Delivery": "delivery",
        "DeliveryDelay": "deliveryDelay",
        "Open": "open",
    }[kind]
    inner: dict[str, object] = {}
    for name in (
        "bounceType",
        "bounceSubType",
        "complaintFeedbackType",
        "complaintSubType",
        "delayType",
        "smtpResponse",
    ):
        if draw(st.booleans()):
            inner[name] = draw(field)
    rec_key = {
        "bounce": "bouncedRecipients",
        "complaint": "complainedRecipients",
        "delivery": "recipients",
        "deliveryDelay": "delayedRecipients",
    }.get(key, "x")
    recipient = st.one_of(
        field,
        st.fixed_dictionaries(
            {},
            optional={
                "emailAddress": field,
                "action": field,
                "status": field,
                "diagnosticCode": field,
            },
        ),
    )
    inner[rec_key] = draw(st.one_of(field, st.lists(recipient, max_size=4)))
    obj: dict[str, object] = {draw(st.sampled_from(["eventType", "notificationType"])): kind}
    obj[key] = draw(st.one_of(st.just(inner), field))
    return obj


@PROPS
@given(ses_objects())
def test_ses_message_never_raises(obj: dict[str, object]) -> None:
    _valid(classify_ses_message(obj))


@PROPS
@given(json_value)
def test_ses_message_arbitrary_json(obj: object) -> None:
    _valid(classify_ses_message(obj))  # type: ignore[arg-type]


@PROPS
@given(field, field, field, field, field)
def test_recipient_functions_take_wrong_types(
    a: object, b: object, c: object, d: object, e: object
) -> None:
    r1 = classify_ses_bounce_recipient(a, b, c, d, e)  # type: ignore[arg-type]
    r2 = classify_ses_delay_recipient(a, b, c)  # type: ignore[arg-type]
    assert isinstance(r1.verdict, Verdict) and isinstance(r2.verdict, Verdict)
