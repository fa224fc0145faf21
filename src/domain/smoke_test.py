"""`ses-feedback smoke-test`: what each SES mailbox-simulator send should leave in the table,
and the wait for it.

Each run sends to `<kind>+<run label>@simulator.amazonses.com` (the simulator ignores the
label), so the addresses are new every run and an item left by an earlier run cannot pass
for this one. Expected outcomes, by the pipeline's own rules (docs/classification.md):

- success: a delivery; with DeliveryMarkers on (the default) the address gets a `clear` item.
- bounce: a hard bounce (550 5.1.1): suppressed as an invalid address.
- complaint: an ARF complaint: suppressed, category complaint.
- suppressionlist: SES's Permanent/Suppressed bounce: an item with reason `suppressed`.
- ooto: an automatic reply (Transient/General, no DSN): never suppressed. It leaves no item,
  so it is judged once the others have arrived (or the wait ended).

Pure: the reader of the table, the clock and the sleep are passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from domain.vocabulary import Reason

SIMULATOR_DOMAIN: Final = "simulator.amazonses.com"


@dataclass(frozen=True, slots=True)
class Observed:
    """What the table says about one address (None: no item)."""

    state: str | None
    reason: str | None
    category: str | None
    suppressed: bool


NO_ITEM: Final = Observed(None, None, None, False)


@dataclass(frozen=True, slots=True)
class Probe:
    kind: str
    address: str
    expect: str  # what the report says should have happened
    negative: bool = False  # judged at the end: passes unless the bad outcome appeared

    def satisfied(self, seen: Observed) -> bool:
        if self.kind == "success":
            return seen.state is not None and not seen.suppressed
        if self.kind == "bounce":
            return seen.suppressed and seen.category == "invalid-address"
        if self.kind == "complaint":
            return seen.suppressed and seen.category == "complaint"
        if self.kind == "suppressionlist":
            return seen.reason == Reason.SUPPRESSED
        return not seen.suppressed  # ooto: an auto-reply never suppresses


_EXPECTATIONS: Final = (
    ("success", "a delivery: a clear item (needs DeliveryMarkers=true)", False),
    ("bounce", "a hard bounce: suppressed as invalid-address", False),
    ("complaint", "a complaint: suppressed with category complaint", False),
    ("suppressionlist", "SES's global-list bounce: an item with reason suppressed", False),
    ("ooto", "an automatic reply: not suppressed", True),
)


def simulator_probes(run_label: str) -> list[Probe]:
    return [
        Probe(kind, f"{kind}+{run_label}@{SIMULATOR_DOMAIN}", expect, negative)
        for kind, expect, negative in _EXPECTATIONS
    ]


@dataclass(frozen=True, slots=True)
class ProbeResult:
    probe: Probe
    passed: bool
    seen: Observed
    after: timedelta | None  # when it arrived, from the start of the wait


Reader = Callable[[Sequence[str]], Mapping[str, Observed]]
Progress = Callable[[int, int, timedelta], None]


def wait_for_outcomes(
    probes: Sequence[Probe],
    read: Reader,
    *,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    timeout: timedelta,
    interval: timedelta,
    progress: Progress | None = None,
) -> list[ProbeResult]:
    """Read the table every `interval` until every positive probe is satisfied or `timeout`
    has passed; then judge the negative probes on the last reading."""
    start = clock()
    positive = [p for p in probes if not p.negative]
    arrived: dict[str, timedelta] = {}
    seen: Mapping[str, Observed] = {}
    while True:
        seen = read([p.address for p in probes])
        elapsed = clock() - start
        for probe in positive:
            if probe.address not in arrived and probe.satisfied(seen.get(probe.address, NO_ITEM)):
                arrived[probe.address] = elapsed
        if progress is not None:
            progress(len(arrived), len(positive), elapsed)
        if len(arrived) == len(positive) or elapsed >= timeout:
            break
        sleep(min(interval, timeout - elapsed).total_seconds())
    results = []
    for probe in probes:
        observed = seen.get(probe.address, NO_ITEM)
        if probe.negative:
            results.append(ProbeResult(probe, probe.satisfied(observed), observed, None))
        else:
            after = arrived.get(probe.address)
            results.append(ProbeResult(probe, after is not None, observed, after))
    return results
