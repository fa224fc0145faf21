"""The cross-validation harness (bench/crossval.py) and the rule switches it relies on
(domain/classify/rules.py): a held-out family must really lose the rules only it taught,
or the cross-validated figure silently becomes the training figure again."""

from __future__ import annotations

import pytest
from bench import crossval
from bench.classifier import evaluate, load_corpus

from domain.classify import classify_failure, classify_ses_bounce_recipient
from domain.classify import rules as R

_TEXT = "550 the mailfolder is full"


def _deciding_phrase_rule(text: str) -> str:
    with R.tracing_rules() as trace:
        trace.reset()
        classify_failure("5.0.0", None, text)
    [rule] = [r for r in trace.fired if r.startswith("phrase:")]
    return rule


def test_disabled_rules_switch_a_phrase_off_and_back_on() -> None:
    assert classify_failure("5.0.0", None, _TEXT).reason == "mailboxfull"
    rule = _deciding_phrase_rule(_TEXT)
    assert rule.startswith("phrase:mailboxfull:") and rule in R.rule_ids()
    with R.disabled_rules([rule]):
        assert classify_failure("5.0.0", None, _TEXT).reason != "mailboxfull"
    assert classify_failure("5.0.0", None, _TEXT).reason == "mailboxfull"


def test_disabled_rules_switch_a_status_entry_off() -> None:
    assert classify_failure("5.1.1", None, "550 5.1.1 nope").reason == "userunknown"
    with R.disabled_rules(["status:1.1"]):
        assert classify_failure("5.1.1", None, "550 5.1.1 nope").reason != "userunknown"
    assert classify_failure("5.1.1", None, "550 5.1.1 nope").reason == "userunknown"


def test_tracing_names_the_deciding_rules() -> None:
    with R.tracing_rules() as trace:
        trace.reset()
        classify_failure("5.2.2", None, "552 5.2.2 the mailfolder is full")
    assert any(r.startswith("phrase:mailboxfull:") for r in trace.fired)
    assert "status:2.2" in trace.fired
    assert trace.texts == {"552 5.2.2 the mailfolder is full"}
    # the memo is back: a second call returns the same result
    assert classify_failure("5.2.2", None, "552 5.2.2 the mailfolder is full").reason == (
        "mailboxfull"
    )


@pytest.fixture(scope="module")
def cv() -> crossval.CrossValidation:
    return crossval.cross_validate()


def test_a_held_out_family_loses_the_rules_only_it_taught(cv: crossval.CrossValidation) -> None:
    sup = cv.support
    changed = 0
    for fam, off in cv.switched_off.items():
        for rule in off:
            assert rule not in sup.external
            matched, decisive = sup.matched.get(rule, set()), sup.decisive.get(rule, set())
            assert (matched and matched <= {fam}) or (decisive and decisive <= {fam})
        tr, ho = cv.training[fam], cv.held_out[fam]
        if off and (tr.reason.ok, tr.verdict.ok) != (ho.reason.ok, ho.verdict.ok):
            changed += 1
    assert changed >= 5  # the measure is not the training score
    # NTT docomo's rule comes from the corpus only: held out, docomo's notices lose it
    docomo = "receiver:docomo:filtered:DATA"
    assert docomo in cv.switched_off["rhost-nttdocomo"]
    assert cv.held_out["rhost-nttdocomo"].verdict.ok < cv.training["rhost-nttdocomo"].verdict.ok


def test_rfc_tables_and_published_replies_stay_on(cv: crossval.CrossValidation) -> None:
    ext = cv.support.external
    assert "status:1.1" in ext and "reply:553" in ext
    # the rule deciding a published reply is externally taught
    with R.tracing_rules() as trace:
        trace.reset()
        classify_failure("5.0.0", None, "550 Requested action not taken: mailbox unavailable")
    phrase_rules = {r for r in trace.fired if r.startswith("phrase:")}
    assert phrase_rules and phrase_rules <= ext
    assert not any(ext & off for off in cv.switched_off.values())


def test_a_published_reply_to_a_receiver_teaches_only_the_receiver_rule_it_exercises(
    cv: crossval.CrossValidation,
) -> None:
    # NTT Communications' FAQ (published_replies.json, with the recipient address) says
    # docomo's "Unknown user" may be the recipient's reception refusal: the any-stage rule
    # is taught; nothing published speaks of the end-of-DATA stage, so that rule is not
    ext = cv.support.external
    assert "receiver:docomo:userunknown:*" in ext
    assert "receiver:docomo:userunknown:DATA" not in ext
    assert "receiver:docomo:filtered:DATA" not in ext
    # the texts are read with the address: without it the receiver rule never applies
    [(status, reply, reason, address)] = [
        t for t in crossval.published_texts() if t[3] and "docomo" in t[3]
    ]
    assert reason == "filtered"
    c = classify_ses_bounce_recipient(
        "Permanent", "General", "failed", status, "smtp; " + reply, address=address
    )
    assert c.reason == "filtered"
    assert (
        classify_ses_bounce_recipient("Permanent", "General", "failed", status, "smtp; " + reply)
    ).reason == "userunknown"


def test_pooled_figures_and_tables_restored(cv: crossval.CrossValidation) -> None:
    whole = evaluate(load_corpus())
    pooled_training = cv.pooled_training
    assert pooled_training.reason.n == whole.reason.n == cv.pooled.reason.n
    assert pooled_training.reason.ok == whole.reason.ok  # the switches left nothing behind
    assert cv.pooled.reason.ok < whole.reason.ok
    assert crossval.family_of("lhost-postfix-13.eml") == "lhost-postfix"


# Floors of the pooled cross-validated figures (docs/benchmarks.md has the measured ones:
# hard precision 0.964, recall 0.942, verdict 0.955, reason 0.935 when these were set; before
# that 0.952 / 0.919 / 0.896 / 0.860, and the first measurement 0.902 / 0.860 / 0.844 / 0.760).
# Raise them as general rules improve; never lower them to make a change pass.
CV_HARD_PRECISION_FLOOR = 0.95
CV_HARD_RECALL_FLOOR = 0.93
CV_VERDICT_FLOOR = 0.94
CV_REASON_FLOOR = 0.92


def test_pooled_cross_validated_floors(cv: crossval.CrossValidation) -> None:
    pooled = cv.pooled
    assert pooled.hard_precision >= CV_HARD_PRECISION_FLOOR, pooled.failures
    assert pooled.hard_recall >= CV_HARD_RECALL_FLOOR, pooled.failures
    assert pooled.verdict.rate >= CV_VERDICT_FLOOR, pooled.failures
    assert pooled.reason.rate >= CV_REASON_FLOOR, pooled.failures
