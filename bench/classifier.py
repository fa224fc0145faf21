"""Bounce classifier: accuracy on the fixture corpus and speed against stdlib baselines.

``run()`` returns a Markdown section for docs/benchmarks.md; ``python bench/classifier.py``
prints it.  ``evaluate()`` is shared with tests/unit/test_classify_corpus.py.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from domain.classify import MessageReport, analyse_message  # noqa: E402
from domain.classify.taxonomy import REASON_VERDICTS, verdict_for  # noqa: E402
from domain.verdicts import Verdict  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpus" / "bounces"
SAMPLES = ROOT / "tests" / "fixtures" / "ses"

_SAME = {"speeding": "toomanyconn"}
_KIND_REASON = {"auto-reply": "vacation", "complaint": "feedback", "delivery": "delivered"}


def canonical(reason: str | None) -> str | None:
    return _SAME.get(reason, reason) if reason else reason


def expected_verdict(row: dict[str, object]) -> Verdict:
    reason = str(row["reason"])
    if reason == "notaccept":
        return verdict_for(reason, row.get("permanent") is True)
    return REASON_VERDICTS[reason]


def load_corpus(path: Path = CORPUS) -> list[tuple[dict[str, object], bytes]]:
    rows = [json.loads(line) for line in (path / "expected.jsonl").read_text().splitlines()
            if line.strip()]
    return [(row, (path / str(row["file"])).read_bytes()) for row in rows]


def first_result(report: MessageReport) -> tuple[str, Verdict]:
    """The reason and verdict of the report's first recipient (the corpus's convention)."""
    if report.recipients:
        c = report.recipients[0].classification
        return c.reason, c.verdict
    reason = _KIND_REASON.get(report.kind, "undetermined")
    return reason, REASON_VERDICTS.get(reason, Verdict.UNDETERMINED)


@dataclass
class Counts:
    n: int = 0
    ok: int = 0

    def add(self, good: bool) -> None:
        self.n += 1
        self.ok += int(good)

    @property
    def rate(self) -> float:
        return self.ok / self.n if self.n else 1.0


@dataclass
class Metrics:
    reason: Counts = field(default_factory=Counts)
    verdict: Counts = field(default_factory=Counts)
    address: Counts = field(default_factory=Counts)
    per_reason: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    hard_tp: int = 0
    hard_fp: int = 0
    hard_fn: int = 0
    hard_tn: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def hard_precision(self) -> float:
        d = self.hard_tp + self.hard_fp
        return self.hard_tp / d if d else 1.0

    @property
    def hard_recall(self) -> float:
        d = self.hard_tp + self.hard_fn
        return self.hard_tp / d if d else 1.0

    def add_hard(self, expected: bool, got: bool) -> None:
        if expected and got:
            self.hard_tp += 1
        elif got:
            self.hard_fp += 1
        elif expected:
            self.hard_fn += 1
        else:
            self.hard_tn += 1


def evaluate(
    corpus: Iterable[tuple[dict[str, object], bytes]] | None = None,
    predict: Callable[[dict[str, object], bytes, MessageReport], tuple[str, Verdict]]
    | None = None,
) -> Metrics:
    """Score analyse_message (or *predict*, a baseline built on its report) on the corpus."""
    items = list(corpus if corpus is not None else load_corpus())
    m = Metrics()
    t0 = time.perf_counter()
    reports = [analyse_message(raw) for _, raw in items]
    m.seconds = time.perf_counter() - t0
    for (row, raw), report in zip(items, reports, strict=True):
        reason, verdict = (predict(row, raw, report) if predict else first_result(report))
        exp_reason = canonical(str(row["reason"]))
        good = canonical(reason) == exp_reason
        m.reason.add(good)
        m.per_reason[str(exp_reason)].add(good)
        m.verdict.add(verdict is expected_verdict(row))
        if row.get("hard") is not None:
            m.add_hard(bool(row["hard"]), verdict is Verdict.INVALID_ADDRESS)
        found = {r.address for r in report.recipients if r.address}
        wanted = [str(row["recipient"])] if row.get("recipient") else []
        for per in row.get("per_recipient") or []:  # type: ignore[attr-defined]
            addr = per.get("recipient_dsn_order")
            if addr and addr not in wanted:
                wanted.append(addr)
        for addr in wanted:
            m.address.add(addr.lower() in found)
        if not good or verdict is not expected_verdict(row):
            m.failures.append(
                f"{row['file']}: expected {row['reason']}/{expected_verdict(row).value} got "
                f"{reason}/{verdict.value} kind={report.kind}"
            )
    return m


if __name__ == "__main__" and "--failures" in sys.argv:
    res = evaluate()
    print("\n".join(res.failures))
    print(f"reason {res.reason.rate:.3f} verdict {res.verdict.rate:.3f} hardP "
          f"{res.hard_precision:.3f} hardR {res.hard_recall:.3f} addr {res.address.rate:.3f} "
          f"({res.address.ok}/{res.address.n}) {res.seconds:.2f}s")
