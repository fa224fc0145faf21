"""The packaging test's runner really isolates: these run in every `pytest tests` (no build
needed), with this interpreter, on tiny packages made here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.packaging.test_built_package import RUNNER


def run_isolated(tmp_path: Path, handler_source: str) -> dict:
    package, layer = tmp_path / "package", tmp_path / "layer" / "python"
    (package / "handlers").mkdir(parents=True)
    layer.mkdir(parents=True)
    (package / "handlers" / "__init__.py").write_text("")
    (package / "handlers" / "probe.py").write_text(handler_source)
    job, result = tmp_path / "job.json", tmp_path / "result.json"
    job.write_text(
        json.dumps(
            {
                "paths": [str(package), str(layer)],
                "handler": "handlers.probe.lambda_handler",
                "event": {"ping": 1},
            }
        )
    )
    subprocess.run(
        [sys.executable, "-B", "-I", "-S", str(RUNNER), str(job), str(result)],
        check=True,
        capture_output=True,
    )
    return json.loads(result.read_text())


def test_a_handler_that_needs_only_the_stdlib_runs(tmp_path):
    result = run_isolated(tmp_path, "def lambda_handler(event, context):\n    return event\n")
    assert result["error"] is None
    assert result["response"] == {"ping": 1}
    assert result["strays"] == []


def test_installed_packages_are_not_visible(tmp_path):
    """pytest and moto are installed in this venv; the isolated run must not see them."""
    source = "import moto\n\ndef lambda_handler(event, context):\n    return None\n"
    result = run_isolated(tmp_path, source)
    assert "ModuleNotFoundError: No module named 'moto'" in result["error"]


def test_code_loaded_from_outside_the_package_is_reported(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "devonly.py").write_text("VALUE = 1\n")
    source = (
        "import sys\n"
        f"sys.path.append({str(outside)!r})\n"
        "import devonly\n\n"
        "def lambda_handler(event, context):\n    return devonly.VALUE\n"
    )
    result = run_isolated(tmp_path, source)
    assert result["error"] is None
    assert [s.split(" ")[0] for s in result["strays"]] == ["devonly"]
