"""Every corpus message the classifier reads differently from its label, listed.

docs/classification.md explains *why* the remaining misses stay misses; which messages they
are, and how many, is measured here so that the explanation never carries a count that can go
stale. Also the inbound report view (docs/inbound.md): the corpus messages whose feedback
differs when InboundFunction classifies only its small view of the message.

No timing: the output changes only when the classifier, the inbound analysis or the corpus
does. ``run()`` returns the Markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT / "src"), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from bench.classifier import (  # noqa: E402
    CORPUS,
    canonical,
    expected_verdict,
    first_result,
    load_corpus,
)
from domain.classify import MessageReport, analyse_message  # noqa: E402
from domain.inbound import AuthVerdicts, analyse_inbound  # noqa: E402
from domain.verdicts import Verdict  # noqa: E402

#: The inbound comparison's receipt: a message SES found authentic, received at a fixed time
#: (the proof of a signed return path plays no part in which feedback is listed).
_AUTHENTIC = AuthVerdicts(spf="PASS", dkim="PASS", dmarc="PASS", origin="receipt")
_RECEIVED_AT = datetime(2025, 3, 4, 9, 15, 2, tzinfo=UTC)


@dataclass(frozen=True)
class Miss:
    file: str
    expected: str  # reason/verdict
    got: str
    hard: str  # "false hard", "missed hard" or ""


def message_misses(corpus: list[tuple[dict[str, object], bytes]]) -> list[Miss]:
    """Messages whose first recipient's reason or verdict differs from the label."""
    out = []
    for row, raw in corpus:
        reason, verdict = first_result(analyse_message(raw))
        want_verdict = expected_verdict(row)
        reason_ok = canonical(reason) == canonical(str(row["reason"]))
        hard = ""
        if row.get("hard") is not None:
            got_hard = verdict is Verdict.INVALID_ADDRESS
            if got_hard and not row["hard"]:
                hard = "false hard"
            elif row["hard"] and not got_hard:
                hard = "missed hard"
        if reason_ok and verdict is want_verdict and not hard:
            continue
        out.append(
            Miss(
                str(row["file"]),
                f"{row['reason']}/{want_verdict.value}",
                f"{reason}/{verdict.value}",
                hard,
            )
        )
    return out


def recipient_misses(corpus: list[tuple[dict[str, object], bytes]]) -> tuple[int, list[str]]:
    """Listed recipients of multi-recipient messages whose reason differs, by position."""
    total, rows = 0, []
    for row, raw in corpus:
        wanted = row.get("per_recipient") or []
        if not wanted:
            continue
        got = [r.classification.reason for r in analyse_message(raw).recipients]
        for i, want in enumerate(wanted):  # type: ignore[arg-type]
            total += 1
            reason = got[i] if i < len(got) else None
            if canonical(reason) != canonical(str(want["reason"])):
                rows.append(f"| {row['file']} | {i + 1} | {want['reason']} | {reason} |")
    return total, rows


def _feedback(report: MessageReport) -> list[tuple[str, str]]:
    if report.kind == "auto-reply":
        return []
    return sorted((r.address, r.classification.reason) for r in report.recipients if r.address)


def inbound_view_differences() -> tuple[int, list[str]]:
    """Corpus files whose inbound feedback differs from classifying the whole message."""
    files = sorted(CORPUS.glob("*.eml"))
    differing = []
    for path in files:
        raw = path.read_bytes()
        ours = analyse_inbound(raw, receipt_verdicts=_AUTHENTIC, received_at=_RECEIVED_AT)
        got = sorted((f.address, f.classification.reason) for f in ours.feedback)
        if got != _feedback(analyse_message(raw)):
            differing.append(f"| {path.name} | {ours.kind} |")
    return len(files), differing


def run() -> str:
    corpus = load_corpus()
    misses = message_misses(corpus)
    false_hard = sum(m.hard == "false hard" for m in misses)
    missed_hard = sum(m.hard == "missed hard" for m in misses)
    n_recipients, recipient_rows = recipient_misses(corpus)
    n_files, inbound_rows = inbound_view_differences()
    lines = [
        "## Bounce classifier: the corpus messages it reads differently",
        "",
        f"`bench/corpus_misses.py`. Every message of the {len(corpus)} whose first recipient's "
        "reason or verdict differs from its label (same scoring as above), with the hard "
        f"verdict's error where the corpus gives `hard`: {false_hard} false hard, "
        f"{missed_hard} missed hard, {len(misses)} messages in all. Why these stay as they "
        'are: docs/classification.md, "Where it falls short".',
        "",
        "| message | expected (reason/verdict) | ours | hard |",
        "| --- | --- | --- | --- |",
        *(f"| {m.file} | {m.expected} | {m.got} | {m.hard} |" for m in misses),
        "",
        f"Recipients of the multi-recipient messages whose reason differs: "
        f"{len(recipient_rows)} of {n_recipients}.",
        "",
    ]
    if recipient_rows:
        lines += [
            "| message | recipient (position) | expected | ours |",
            "| --- | --- | --- | --- |",
            *recipient_rows,
            "",
        ]
    lines += [
        "### The inbound report view",
        "",
        "InboundFunction classifies only a small view of a report-like message "
        "(docs/inbound.md). Corpus messages whose feedback (address and reason of each "
        "recipient) differs from classifying the whole message: "
        f"{len(inbound_rows)} of {n_files}.",
        "",
    ]
    if inbound_rows:
        lines += ["| message | inbound kind |", "| --- | --- |", *inbound_rows, ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
