"""The smoke test's expectations and its wait, with a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.smoke_test import (
    NO_ITEM,
    Observed,
    simulator_probes,
    wait_for_outcomes,
)

START = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
CLEAR = Observed("clear", None, None, False)
HARD = Observed("suppressed", "userunknown", "invalid-address", True)
COMPLAINT = Observed("suppressed", "feedback", "complaint", True)
SES_LIST = Observed("suppressed", "suppressed", "ses-suppressed", True)
EXPECTED = {"success": CLEAR, "bounce": HARD, "complaint": COMPLAINT, "suppressionlist": SES_LIST}


class Clock:
    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


def scripted(probes, arrivals):
    """A table reader: each kind shows its expected outcome from the given poll on."""
    polls = {"n": 0}
    by_kind = {p.kind: p.address for p in probes}

    def read(addresses):
        polls["n"] += 1
        seen = {}
        for kind, from_poll in arrivals.items():
            if polls["n"] >= from_poll:
                seen[by_kind[kind]] = EXPECTED.get(kind, NO_ITEM)
        return {a: seen.get(a, NO_ITEM) for a in addresses}

    return read, polls


def run(probes, read, clock, timeout=60, progress=None):
    return wait_for_outcomes(
        probes,
        read,
        clock=clock,
        sleep=clock.sleep,
        timeout=timedelta(seconds=timeout),
        interval=timedelta(seconds=10),
        progress=progress,
    )


def test_addresses_carry_the_run_label_so_old_items_cannot_pass():
    probes = simulator_probes("20261130t040000")
    assert [p.address for p in probes] == [
        f"{kind}+20261130t040000@simulator.amazonses.com"
        for kind in ("success", "bounce", "complaint", "suppressionlist", "ooto")
    ]
    assert [p.negative for p in probes] == [False, False, False, False, True]


def test_each_probe_accepts_only_its_own_outcome():
    probes = {p.kind: p for p in simulator_probes("x")}
    assert probes["success"].satisfied(CLEAR) and not probes["success"].satisfied(NO_ITEM)
    assert not probes["success"].satisfied(HARD)
    assert probes["bounce"].satisfied(HARD) and not probes["bounce"].satisfied(COMPLAINT)
    assert probes["complaint"].satisfied(COMPLAINT) and not probes["complaint"].satisfied(HARD)
    assert probes["suppressionlist"].satisfied(SES_LIST)
    assert not probes["suppressionlist"].satisfied(HARD)
    assert probes["ooto"].satisfied(NO_ITEM) and not probes["ooto"].satisfied(HARD)


def test_waits_until_every_outcome_arrived_then_stops():
    clock = Clock()
    probes = simulator_probes("x")
    read, polls = scripted(
        probes, {"success": 1, "bounce": 2, "complaint": 3, "suppressionlist": 3}
    )
    progress = []
    results = run(probes, read, clock, progress=lambda *a: progress.append(a))
    assert all(r.passed for r in results)
    assert polls["n"] == 3 and clock.sleeps == [10.0, 10.0]
    after = {r.probe.kind: r.after for r in results}
    assert after["success"] == timedelta(0) and after["bounce"] == timedelta(seconds=10)
    assert after["complaint"] == timedelta(seconds=20) and after["ooto"] is None
    assert [p[:2] for p in progress] == [(1, 4), (2, 4), (4, 4)]


def test_gives_up_at_the_timeout_and_names_what_is_missing():
    clock = Clock()
    probes = simulator_probes("x")
    read, polls = scripted(probes, {"success": 1, "complaint": 1, "suppressionlist": 1})
    results = run(probes, read, clock, timeout=35)
    assert clock.now - START == timedelta(seconds=35)  # the last sleep is cut to the deadline
    assert clock.sleeps == [10.0, 10.0, 10.0, 5.0] and polls["n"] == 5
    failed = [r.probe.kind for r in results if not r.passed]
    assert failed == ["bounce"]


def test_an_auto_reply_that_suppressed_fails():
    clock = Clock()
    probes = simulator_probes("x")
    ooto = next(p for p in probes if p.kind == "ooto")

    def read(addresses):
        seen = {p.address: EXPECTED[p.kind] for p in probes if p.kind in EXPECTED}
        seen[ooto.address] = HARD
        return {a: seen.get(a, NO_ITEM) for a in addresses}

    results = {r.probe.kind: r for r in run(probes, read, clock)}
    assert not results["ooto"].passed and results["ooto"].seen == HARD
    assert all(r.passed for k, r in results.items() if k != "ooto")
