"""`make bench`: run every benchmark section and write docs/benchmarks.md."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

SECTIONS = [
    "bench.classifier",
    "bench.crossval",
    "bench.pipeline",
    "bench.firehose",
    "bench.inbound",
    "bench.package",
]


def main() -> int:
    import importlib

    parts = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py); rerun it to refresh. Speed figures are ratios "
        "against a baseline measured in the same process, best of several repeats, so they "
        "hold across machines better than absolute times do.",
        "",
        f"Last run: {datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, "
        f"{platform.machine()}.",
        "",
    ]
    for name in SECTIONS:
        module = importlib.import_module(name)
        print(f"running {name} ...", file=sys.stderr)
        parts.append(module.run())
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text("\n".join(parts))
    print(f"wrote {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
