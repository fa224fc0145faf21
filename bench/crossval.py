"""Leave-one-family-out cross-validation of the bounce classifier on the fixture corpus.

A *family* is the sender software or provider named by a corpus file's prefix (every
``lhost-postfix-*`` file is one family).  The classifier is hand-written, so "train on the
other families" means: when family F is held out, every data rule that only F taught is
switched off (domain/classify/rules.py names the rules and switches them).

What a family taught is measured on the corpus itself:

- a rule *fires* on a message when it decides something there (the phrase pattern that
  first matched a text, a status or reply-code table entry that was looked up and found);
- it is *decisive* on a message when switching it off alone changes what the classifier
  reports for that message (kind, or any recipient's reason or verdict);
- it *matches* a message when its pattern matches any text the phrase table read there,
  winner or not.

Rule r is switched off while F is held out when it is not externally taught and either every
message it matches belongs to F, or it is decisive somewhere and only in F.  (Decisive alone
would miss two rules that back each other up inside F; matched alone would keep a rule that
some other family's text happens to contain but never needed.)

*Externally taught* rules are always on: the RFC tables (RFC 3463 status codes, RFC 5321
reply codes) and every phrase rule that decides one of the published reply texts kept as
test messages (tests/fixtures/published_replies.json, tests/unit/test_classify_public_wording.py,
tests/unit/test_classify_mta_formats.py).  A rule learnt from one corpus family therefore
counts in the held-out score only once a public source backs it.

``run()`` returns the Markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT / "src"), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from bench.classifier import Metrics, evaluate, load_corpus  # noqa: E402
from domain.classify import analyse_message, classify_ses_bounce_recipient  # noqa: E402
from domain.classify import rules as R  # noqa: E402
from domain.classify.report import MessageReport  # noqa: E402

PUBLISHED = ROOT / "tests" / "fixtures" / "published_replies.json"
_FAMILY_RE = re.compile(r"^(.*?)-\d+\.eml$")

Corpus = list[tuple[dict[str, object], bytes]]


def family_of(file: str) -> str:
    m = _FAMILY_RE.match(file)
    return m.group(1) if m else file


def _signature(report: MessageReport) -> tuple[object, ...]:
    return (
        report.kind,
        tuple(
            (r.address, r.classification.reason, r.classification.verdict)
            for r in report.recipients
        ),
    )


def published_texts() -> list[tuple[str, str, str | None, str | None]]:
    """(status, diagnostic, reason the source gives or None, recipient address or None) of
    every published reply kept as a test message.  The address is given where the source
    ties the reply's meaning to the receiver (a receiver rule, receivers.py)."""
    from tests.unit.test_classify_public_wording import HARD, NOT_HARD

    out: list[tuple[str, str, str | None, str | None]] = [
        (s, d, None, None) for s, d in NOT_HARD + HARD
    ]
    if PUBLISHED.exists():
        out += [
            (str(e["status"]), str(e["reply"]), str(e["reason"]), e.get("address"))
            for e in json.loads(PUBLISHED.read_text())
        ]
    return out


def published_notices() -> list[tuple[bytes, str]]:
    """Whole notices in the default shapes of common MTAs, with their expected reason
    (tests/unit/test_classify_mta_formats.py)."""
    from tests.unit.test_classify_mta_formats import _HEADERS, CASES

    return [((_HEADERS + text).encode(), reason) for text, reason, _ in CASES.values()]


@dataclass
class Support:
    """Where each rule fired, mattered and matched, by family."""

    fired: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    decisive: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    matched: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    external: set[str] = field(default_factory=set)

    def taught_only_by(self, family: str) -> set[str]:
        """Rules to switch off while *family* is held out."""
        out = set()
        for rule in set(self.matched) | set(self.decisive):
            if rule in self.external:
                continue
            matched = self.matched.get(rule, set())
            decisive = self.decisive.get(rule, set())
            if (matched and matched <= {family}) or (decisive and decisive <= {family}):
                out.add(rule)
        return out


def external_rules() -> set[str]:
    """Rules backed by a public source: the RFC tables; every rule that decides a published
    reply; and, where the source names the reason, every phrase rule of that reason whose
    pattern matches the reply (the text teaches each way it states its cause, whichever
    pattern the table happens to try first)."""
    out = {r for r in R.rule_ids() if r.startswith((R.STATUS + ":", R.REPLY + ":"))}

    def taught(trace: R.Trace, reason: str | None) -> None:
        out.update(trace.fired)
        if reason is None:
            return
        prefix = f"{R.PHRASE}:{reason}:"
        for text in trace.texts:
            out.update(r for r in R.phrase_rules_matching(text) if r.startswith(prefix))

    def classify(status: str, diag: str, address: str | None) -> object:
        return classify_ses_bounce_recipient(
            "Permanent", "General", "failed", status, "smtp; " + diag, address=address
        )

    texts = published_texts()
    with R.tracing_rules() as trace:
        for status, diag, reason, address in texts:
            trace.reset()
            classify(status, diag, address)
            taught(trace, reason)
        for raw, reason in published_notices():
            trace.reset()
            analyse_message(raw)
            taught(trace, reason)
    # a receiver rule keys on the recipient's domain, not on text: it is taught by a
    # published reply to that receiver when switching it off changes the reading
    receiver_ids = [r for r in R.rule_ids() if r.startswith(R.RECEIVER + ":")]
    for status, diag, _, address in texts:
        if address is None:
            continue
        with_rules = classify(status, diag, address)
        for rule in receiver_ids:
            with R.disabled_rules([rule]):
                if classify(status, diag, address) != with_rules:
                    out.add(rule)
    return out


def measure_support(corpus: Corpus) -> Support:
    sup = Support(external=external_rules())
    fired_in: dict[str, list[int]] = defaultdict(list)
    families = [family_of(str(row["file"])) for row, _ in corpus]
    baseline = []
    with R.tracing_rules() as trace:
        for i, (_, raw) in enumerate(corpus):
            trace.reset()
            baseline.append(_signature(analyse_message(raw)))
            for rule in trace.fired:
                sup.fired[rule].add(families[i])
                fired_in[rule].append(i)
            for text in trace.texts:
                for rule in R.phrase_rules_matching(text):
                    sup.matched[rule].add(families[i])
    # a receiver rule keys on the recipient's domain, not on text: try it everywhere
    receiver_ids = [r for r in R.rule_ids() if r.startswith(R.RECEIVER + ":")]
    candidates = {rule: idx for rule, idx in fired_in.items() if rule not in sup.external}
    for rule in receiver_ids:
        candidates[rule] = list(range(len(corpus)))
    for rule, idx in candidates.items():
        with R.disabled_rules([rule]):
            for i in idx:
                if _signature(analyse_message(corpus[i][1])) != baseline[i]:
                    sup.decisive[rule].add(families[i])
                    if rule.startswith(R.RECEIVER + ":"):
                        sup.matched[rule].add(families[i])
    return sup


def merge(parts: Iterable[Metrics]) -> Metrics:
    total = Metrics()
    for m in parts:
        for name in ("reason", "verdict", "address", "per_recipient"):
            a, b = getattr(total, name), getattr(m, name)
            a.n += b.n
            a.ok += b.ok
        for reason, c in m.per_reason.items():
            total.per_reason[reason].n += c.n
            total.per_reason[reason].ok += c.ok
        total.hard_tp += m.hard_tp
        total.hard_fp += m.hard_fp
        total.hard_fn += m.hard_fn
        total.hard_tn += m.hard_tn
        total.failures += m.failures
    return total


@dataclass
class CrossValidation:
    families: dict[str, int]
    training: dict[str, Metrics]
    held_out: dict[str, Metrics]
    switched_off: dict[str, set[str]]
    support: Support

    @property
    def pooled_training(self) -> Metrics:
        return merge(self.training.values())

    @property
    def pooled(self) -> Metrics:
        return merge(self.held_out.values())


def cross_validate(corpus: Corpus | None = None) -> CrossValidation:
    corpus = corpus if corpus is not None else load_corpus()
    sup = measure_support(corpus)
    by_family: dict[str, Corpus] = defaultdict(list)
    for item in corpus:
        by_family[family_of(str(item[0]["file"]))].append(item)
    training, held_out, off = {}, {}, {}
    for fam, items in sorted(by_family.items()):
        training[fam] = evaluate(items)
        off[fam] = sup.taught_only_by(fam)
        with R.disabled_rules(off[fam]):
            held_out[fam] = evaluate(items)
    return CrossValidation({f: len(i) for f, i in by_family.items()}, training, held_out, off, sup)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _hard(m: Metrics) -> str:
    return f"{m.hard_tp}/{m.hard_fp}/{m.hard_fn}"


def summary_line(cv: CrossValidation) -> str:
    t, p = cv.pooled_training, cv.pooled
    return (
        f"whole corpus: hardP {t.hard_precision:.3f} hardR {t.hard_recall:.3f} "
        f"verdict {t.verdict.rate:.3f} reason {t.reason.rate:.3f} | CV pooled: hardP "
        f"{p.hard_precision:.3f} hardR {p.hard_recall:.3f} verdict {p.verdict.rate:.3f} "
        f"reason {p.reason.rate:.3f}"
    )


def run() -> str:
    cv = cross_validate()
    t, p = cv.pooled_training, cv.pooled
    sup = cv.support
    switchable = [r for r in R.rule_ids() if r not in sup.external]
    used = {r for r in set(sup.matched) | set(sup.decisive) if r not in sup.external}
    lines = [
        "## Bounce classifier: leave-one-family-out cross-validation",
        "",
        f"`bench/crossval.py`. The corpus's {len(cv.families)} families (file-name prefix: "
        "sender software or provider) are held out one at a time; the rules only that family "
        "taught are switched off while its messages are classified (design: "
        "docs/decisions.md, 2026-11-30, and the module docstring). "
        f"Rules: {len(R.rule_ids())}, of which {len(sup.external)} externally taught (RFC "
        f"tables, published replies) and always on; {len(used)} of the other "
        f"{len(switchable)} match or decide something on the corpus.",
        "",
        "| measure | whole corpus (training) | cross-validated, pooled |",
        "| --- | --- | --- |",
        f"| hard precision | {t.hard_precision:.3f} | {p.hard_precision:.3f} |",
        f"| hard recall | {t.hard_recall:.3f} | {p.hard_recall:.3f} |",
        f"| hard TP / FP / FN | {_hard(t)} | {_hard(p)} |",
        f"| verdict | {t.verdict.rate:.3f} ({t.verdict.ok}/{t.verdict.n}) | "
        f"{p.verdict.rate:.3f} ({p.verdict.ok}/{p.verdict.n}) |",
        f"| reason | {t.reason.rate:.3f} ({t.reason.ok}/{t.reason.n}) | "
        f"{p.reason.rate:.3f} ({p.reason.ok}/{p.reason.n}) |",
        "",
        "### Per family",
        "",
        "Hard = TP/FP/FN. Families where held out and training differ are in bold.",
        "",
        "| family | messages | rules off | reason (training / held out) | "
        "verdict (training / held out) | hard (training / held out) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for fam in sorted(cv.families, key=lambda f: (-cv.families[f], f)):
        tr, ho = cv.training[fam], cv.held_out[fam]
        differs = (tr.reason.ok, tr.verdict.ok, _hard(tr)) != (
            ho.reason.ok,
            ho.verdict.ok,
            _hard(ho),
        )
        name = f"**{fam}**" if differs else fam
        lines.append(
            f"| {name} | {cv.families[fam]} | {len(cv.switched_off[fam])} | "
            f"{tr.reason.ok} / {ho.reason.ok} | {tr.verdict.ok} / {ho.verdict.ok} | "
            f"{_hard(tr)} / {_hard(ho)} |"
        )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    result = cross_validate()
    if "--failures" in sys.argv:
        print("\n".join(result.pooled.failures))
    if "--off" in sys.argv:
        for fam, ids in sorted(result.switched_off.items()):
            for rule in sorted(ids):
                print(f"{fam}\t{rule}")
    print(summary_line(result))
