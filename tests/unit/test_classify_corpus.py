"""The whole fixture corpus of real bounces: accuracy floors (see docs/classification.md)."""

from __future__ import annotations

import pytest
from bench.classifier import Metrics, evaluate, load_corpus

# Floors.  Targets: hard precision/recall >= 0.97, reason >= 0.90, verdict >= 0.95,
# addresses >= 0.97.  Measured (docs/benchmarks.md): reason 0.961, verdict 0.977, hard
# precision 0.965 (83 TP, 3 FP), hard recall 0.965 (3 FN), addresses 0.988, every recipient
# of the multi-recipient messages 34/36.  The floors are those minus a small margin;
# docs/classification.md lists the remaining hard misses and why no general rule reaches them.
# Raise them as the rules improve; never lower them to make a change pass.
HARD_PRECISION_FLOOR = 0.95
HARD_RECALL_FLOOR = 0.95
REASON_FLOOR = 0.94
VERDICT_FLOOR = 0.96
ADDRESS_FLOOR = 0.98
PER_RECIPIENT_FLOOR = 0.90


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    corpus = load_corpus()
    assert len(corpus) >= 300
    return evaluate(corpus)


def test_hard_precision(metrics: Metrics) -> None:
    assert metrics.hard_precision >= HARD_PRECISION_FLOOR, metrics.failures


def test_hard_recall(metrics: Metrics) -> None:
    assert metrics.hard_recall >= HARD_RECALL_FLOOR, metrics.failures


def test_reason_accuracy(metrics: Metrics) -> None:
    assert metrics.reason.rate >= REASON_FLOOR, metrics.failures


def test_verdict_accuracy(metrics: Metrics) -> None:
    assert metrics.verdict.rate >= VERDICT_FLOOR, metrics.failures


def test_recipient_addresses(metrics: Metrics) -> None:
    assert metrics.address.n >= 150
    assert metrics.address.rate >= ADDRESS_FLOOR


def test_every_recipient_of_multi_recipient_messages(metrics: Metrics) -> None:
    assert metrics.per_recipient.n >= 30
    assert metrics.per_recipient.rate >= PER_RECIPIENT_FLOOR, metrics.failures


def test_every_message_classified_without_error_kind(metrics: Metrics) -> None:
    # every corpus file is a bounce, complaint, auto-reply or delivery report
    assert metrics.reason.n == len(load_corpus())
