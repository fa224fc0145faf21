"""SES receiving verdicts (spam, virus, SPF, DKIM, DMARC) and what they allow us to trust.

Two sources, in order of preference:

1. The receipt object of the SES Lambda-action event or of the S3 action's SNS notification:
   SES wrote it, so it is taken as is.
2. The headers SES prepends to the stored message (``X-SES-Spam-Verdict``,
   ``X-SES-Virus-Verdict``, ``Received-SPF``, ``Authentication-Results: amazonses.com; ...``),
   for the S3 ``ObjectCreated`` path, which carries no receipt. SES puts its block at the very
   top, ending with ``X-SES-RECEIPT``; only headers *above* that marker are read, because a
   sender can put any ``Authentication-Results: amazonses.com; dkim=pass`` it likes into its
   own headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

PASS: Final = "PASS"  # noqa: S105 - a verdict, not a secret
FAIL: Final = "FAIL"
GRAY: Final = "GRAY"
PROCESSING_FAILED: Final = "PROCESSING_FAILED"
DISABLED: Final = "DISABLED"
_STATUSES: Final = frozenset({PASS, FAIL, GRAY, PROCESSING_FAILED, DISABLED})

#: RFC 8601 / RFC 7208 results -> SES's verdict vocabulary.
_RESULT_STATUS: Final = {
    "pass": PASS,
    "fail": FAIL,
    "softfail": GRAY,
    "neutral": GRAY,
    "none": GRAY,
    "policy": GRAY,
    "temperror": PROCESSING_FAILED,
    "permerror": PROCESSING_FAILED,
}
_SES_AUTHSERV: Final = "amazonses.com"
_SES_BLOCK_END: Final = "x-ses-receipt"
_METHOD_RE: Final = re.compile(r"(?:^|[;\s])(spf|dkim|dmarc)=([a-z]+)", re.I)
_ENVELOPE_FROM_RE: Final = re.compile(r"(?:envelope-from|smtp\.mailfrom)=<?([^\s;<>]+)", re.I)
_DKIM_PASS_RE: Final = re.compile(r"dkim=pass\b", re.I)
_DKIM_DOMAIN_RE: Final = re.compile(r"header\.[id]=([^\s;]+)", re.I)


@dataclass(frozen=True, slots=True)
class AuthVerdicts:
    """The five verdicts; ``None`` when nobody told us."""

    spam: str | None = None
    virus: str | None = None
    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None
    dmarc_policy: str | None = None
    origin: Literal["receipt", "headers", "none"] = "none"
    #: Domains SES's own block names: the SPF-checked envelope sender's domain, and the
    #: domains of the DKIM signatures that passed (for alignment with ``From``).
    spf_domain: str | None = None
    dkim_domains: tuple[str, ...] = ()

    @property
    def virus_found(self) -> bool:
        return self.virus == FAIL

    def authenticated(self) -> tuple[bool, str | None]:
        """Whether SES found the sender authentic: SPF or DKIM passed and DMARC did not fail.

        Recorded with every message, but never enough on its own to change anyone's state:
        it proves who sent the message, not that they may speak about our recipients
        (:mod:`domain.inbound.proof`, :meth:`aligned_with`). The second value says why not.
        """
        if self.dmarc == FAIL:
            return False, "DMARC failed"
        if PASS not in (self.spf, self.dkim):
            return (
                False,
                f"neither SPF ({self.spf or 'unknown'}) nor DKIM ({self.dkim or 'unknown'}) passed",
            )
        return True, None

    def as_dict(self) -> dict[str, str]:
        out = {
            "spam": self.spam,
            "virus": self.virus,
            "spf": self.spf,
            "dkim": self.dkim,
            "dmarc": self.dmarc,
            "dmarc_policy": self.dmarc_policy,
        }
        result = {k: v for k, v in out.items() if v is not None}
        result["origin"] = self.origin
        return result

    def aligned_with(self, from_domain: str | None) -> str | None:
        """How the ``From`` domain is proven to be the sender's, or ``None``.

        DMARC pass proves it. Without DMARC (no record published), an SPF pass for an
        envelope sender in the same domain, or a passing DKIM signature by it, does too.
        Relaxed alignment is approximated by "equal, or one is a subdomain of the other"
        (no public-suffix list here): stricter than DMARC's, never looser.
        """
        if self.dmarc == FAIL or not from_domain:
            return None
        if self.dmarc == PASS:
            return "DMARC pass"
        if self.spf == PASS and _aligned(self.spf_domain, from_domain):
            return "SPF pass aligned with From"
        if self.dkim == PASS and any(_aligned(d, from_domain) for d in self.dkim_domains):
            return "DKIM pass aligned with From"
        return None


def verdicts_from_receipt(receipt: Mapping[str, Any]) -> AuthVerdicts:
    """Read the verdicts of an SES receipt object (missing ones stay ``None``)."""

    def status(key: str) -> str | None:
        value = receipt.get(key)
        if isinstance(value, Mapping):
            raw = value.get("status")
            if isinstance(raw, str) and raw.strip():
                upper = raw.strip().upper()
                return upper if upper in _STATUSES else GRAY
        return None

    policy = receipt.get("dmarcPolicy")
    return AuthVerdicts(
        spam=status("spamVerdict"),
        virus=status("virusVerdict"),
        spf=status("spfVerdict"),
        dkim=status("dkimVerdict"),
        dmarc=status("dmarcVerdict"),
        dmarc_policy=policy.lower() if isinstance(policy, str) and policy else None,
        origin="receipt",
    )


def verdicts_from_headers(headers: Iterable[tuple[str, str]]) -> AuthVerdicts:
    """Read the verdict headers of SES's own block (see the module docstring).

    Without the ``X-SES-RECEIPT`` marker nothing is trusted and every verdict is ``None``.
    """
    block: list[tuple[str, str]] = []
    for name, value in headers:
        lname = name.strip().lower()
        if lname == _SES_BLOCK_END:
            break
        block.append((lname, value))
    else:
        return AuthVerdicts()
    found: dict[str, str] = {}
    spf_domain: str | None = None
    dkim_domains: list[str] = []
    for lname, value in block:
        text = " ".join(str(value).split())
        if lname == "x-ses-spam-verdict":
            found.setdefault("spam", _status_word(text))
        elif lname == "x-ses-virus-verdict":
            found.setdefault("virus", _status_word(text))
        elif lname == "received-spf":
            word = text.split(" ", 1)[0].lower()
            found.setdefault("spf", _RESULT_STATUS.get(word, GRAY))
            spf_domain = spf_domain or _spf_domain(text)
        elif lname == "authentication-results":
            authserv = text.split(";", 1)[0].strip().lower()
            if authserv != _SES_AUTHSERV:
                continue
            for method, result in _METHOD_RE.findall(text):
                found.setdefault(method.lower(), _RESULT_STATUS.get(result.lower(), GRAY))
            spf_domain = spf_domain or _spf_domain(text)
            dkim_domains.extend(d for d in _passing_dkim_domains(text) if d not in dkim_domains)
    return AuthVerdicts(
        spam=found.get("spam"),
        virus=found.get("virus"),
        spf=found.get("spf"),
        dkim=found.get("dkim"),
        dmarc=found.get("dmarc"),
        origin="headers",
        spf_domain=spf_domain,
        dkim_domains=tuple(dkim_domains),
    )


def _spf_domain(results: str) -> str | None:
    m = _ENVELOPE_FROM_RE.search(results)
    return _domain_of(m.group(1)) if m else None


def _passing_dkim_domains(results: str) -> list[str]:
    out: list[str] = []
    for clause in results.split(";"):
        if not _DKIM_PASS_RE.match(clause.strip()):
            continue
        for tag in _DKIM_DOMAIN_RE.findall(clause):
            domain = _domain_of(tag)
            if domain and domain not in out:
                out.append(domain)
    return out


def _domain_of(value: str) -> str | None:
    domain = value.rpartition("@")[2].strip().strip("<>;,.").lower()
    return domain or None


def _aligned(domain: str | None, from_domain: str) -> bool:
    if not domain:
        return False
    a, b = domain.lower().rstrip("."), from_domain.lower().rstrip(".")
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def _status_word(text: str) -> str:
    word = text.split(" ", 1)[0].upper() if text else ""
    return word if word in _STATUSES else GRAY


def merge_verdicts(primary: AuthVerdicts | None, fallback: AuthVerdicts) -> AuthVerdicts:
    """The receipt's verdicts where it has them, the headers' otherwise."""
    if primary is None:
        return fallback
    return AuthVerdicts(
        spam=primary.spam or fallback.spam,
        virus=primary.virus or fallback.virus,
        spf=primary.spf or fallback.spf,
        dkim=primary.dkim or fallback.dkim,
        dmarc=primary.dmarc or fallback.dmarc,
        dmarc_policy=primary.dmarc_policy or fallback.dmarc_policy,
        origin=primary.origin,
        # the receipt names no domains; SES's header block does
        spf_domain=primary.spf_domain or fallback.spf_domain,
        dkim_domains=primary.dkim_domains or fallback.dkim_domains,
    )
