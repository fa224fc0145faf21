"""docs/benchmarks.md is generated: every section is there under its marker, a partial
refresh keeps the other sections byte for byte, and the section without timings (the corpus
messages the classifier reads differently) is current."""

from __future__ import annotations

import pytest
from bench import corpus_misses
from bench import run as bench_run

DOC = bench_run.OUT


def test_every_section_is_in_the_document_under_its_marker() -> None:
    _, sections = bench_run.split(DOC.read_text())
    assert list(sections) == bench_run.SECTIONS


def test_splitting_and_joining_the_document_changes_nothing() -> None:
    text = DOC.read_text()
    assert bench_run.join(*bench_run.split(text)) == text


def test_a_partial_refresh_replaces_only_the_named_section(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = DOC.read_text()
    monkeypatch.setattr(bench_run, "run_section", lambda name: f"## {name} rerun\n")
    refreshed = bench_run.refresh(["bench.inbound"], text)
    before, after = bench_run.split(text)[1], bench_run.split(refreshed)[1]
    assert after["bench.inbound"].startswith("## bench.inbound rerun\n")
    assert "refreshed alone" in after["bench.inbound"]
    assert {k: v for k, v in after.items() if k != "bench.inbound"} == {
        k: v for k, v in before.items() if k != "bench.inbound"
    }


def test_a_partial_refresh_refuses_an_unknown_section() -> None:
    with pytest.raises(SystemExit, match="unknown section"):
        bench_run.refresh(["bench.nothing"], DOC.read_text())


def test_the_corpus_misses_section_is_current() -> None:
    """It has no timings, so it changes only with the classifier or the corpus: when this
    fails, run `.venv/bin/python bench/run.py bench.corpus_misses` and commit the result."""
    _, sections = bench_run.split(DOC.read_text())
    written = sections["bench.corpus_misses"].split("\n_This section was refreshed alone")[0]
    assert written.rstrip("\n") == corpus_misses.run().rstrip("\n")
