"""`make bench`: run every benchmark section and write docs/benchmarks.md.

``python bench/run.py`` runs every section and rewrites the whole file.
``python bench/run.py bench.corpus_misses ...`` reruns only the named sections and puts them in
place of their previous output, keeping the others as they were (each section is preceded by
an HTML comment naming its module, which is how it is found again). A section refreshed alone
says so in its last line, so a reader can tell its date from the rest.
"""

from __future__ import annotations

import importlib
import platform
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

OUT = ROOT / "docs" / "benchmarks.md"

SECTIONS = [
    "bench.classifier",
    "bench.corpus_misses",
    "bench.crossval",
    "bench.pipeline",
    "bench.firehose",
    "bench.inbound",
    "bench.package",
]

_MARKER = "<!-- section: {} -->"
_MARKER_RE = re.compile(r"^<!-- section: (bench\.\w+) -->$", re.M)


def header() -> str:
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "Written by `make bench` (bench/run.py); rerun it to refresh. Speed figures are "
            "ratios against a baseline measured in the same process, best of several repeats, "
            "so they hold across machines better than absolute times do. Other documents link "
            "here instead of repeating these figures.",
            "",
            f"Last run: {datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, "
            f"{platform.machine()}.",
            "",
        ]
    )


def run_section(name: str) -> str:
    print(f"running {name} ...", file=sys.stderr)
    return str(importlib.import_module(name).run())


def split(text: str) -> tuple[str, dict[str, str]]:
    """The header and each section's text (marker excluded), by module name."""
    marks = list(_MARKER_RE.finditer(text))
    head = text[: marks[0].start()] if marks else text
    sections = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        sections[m.group(1)] = text[m.end() + 1 : end]
    return head, sections


def join(head: str, sections: dict[str, str]) -> str:
    parts = [head.rstrip("\n") + "\n"]
    for name in SECTIONS:
        parts.append(_MARKER.format(name) + "\n" + sections[name].rstrip("\n") + "\n")
    return "\n".join(parts)


def refresh(names: list[str], existing: str) -> str:
    """*existing* with the sections *names* rerun; the others kept as written."""
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section(s) {unknown}; sections: {', '.join(SECTIONS)}")
    head, sections = split(existing)
    missing = [n for n in SECTIONS if n not in sections and n not in names]
    if missing:
        raise SystemExit(
            f"{OUT.relative_to(ROOT)} has no output of {', '.join(missing)}: run `make bench`"
        )
    when = f"{datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}"
    for name in names:
        sections[name] = (
            run_section(name).rstrip("\n")
            + f"\n\n_This section was refreshed alone ({when}; `python bench/run.py {name}`)._\n"
        )
    return join(head, sections)


def main(argv: list[str]) -> int:
    if argv:
        text = refresh(argv, OUT.read_text())
    else:
        text = join(header(), {name: run_section(name) for name in SECTIONS})
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
