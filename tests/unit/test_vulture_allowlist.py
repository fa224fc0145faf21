"""The dead-code allow-list (tools/vulture_allowlist.py) names real objects only: executing it
fails when an entry was renamed or removed, so it cannot keep dead names alive by accident."""

from __future__ import annotations

import runpy
import tomllib
from pathlib import Path

import vulture

ROOT = Path(__file__).resolve().parents[2]
ALLOWLIST = ROOT / "tools" / "vulture_allowlist.py"


def test_every_allowlist_entry_exists():
    runpy.run_path(str(ALLOWLIST))  # an AttributeError or ImportError names the stale entry


def test_the_configured_confidence_reports_an_unused_function(tmp_path):
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["vulture"]
    source = tmp_path / "module.py"
    source.write_text("def used():\n    return 1\n\n\ndef unused():\n    return used()\n")
    scan = vulture.Vulture(ignore_names=config["ignore_names"])
    scan.scavenge([str(source)])
    found = [item.name for item in scan.get_unused_code(min_confidence=config["min_confidence"])]
    assert found == ["unused"]
