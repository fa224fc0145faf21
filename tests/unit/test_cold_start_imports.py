"""What two handlers must not load at cold start: modules their requests never use, whose
import showed in `bench/package.py`'s cold-import ratios (docs/decisions.md, "the webhook and
inbound handlers load nothing their requests do not use").

Each handler is imported in a fresh interpreter, as Lambda's init does; the modules it loaded
are compared with the ones it must not load. Everything else (what the first request uses) is
loaded at init on purpose and is not listed here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

#: Loaded by no handler: the Powertools parser and its validation library.
NEVER = frozenset({"pydantic", "aws_lambda_powertools.utilities.parser"})
#: Importing one Powertools event class imports all of them; these handlers read the few
#: fields they need from the event themselves.
EVENT_CLASSES = "aws_lambda_powertools.utilities.data_classes"

MUST_NOT_LOAD: dict[str, frozenset[str]] = {
    "handlers.webhook": NEVER
    | {
        EVENT_CLASSES,
        "boto3",  # pynamodb's botocore is all the webhook needs
        "domain.classify.transcript",  # raw-bounce parsing: InboundFunction's
        "domain.classify.message",
        "domain.ses_import",  # import jobs: SesSyncFunction's and the CLI's
        "email.headerregistry",  # the address parser's fallback, for unusual addresses
        "domain.inbound",
    },
    "handlers.inbound": NEVER
    | {
        EVENT_CLASSES,
        "boto3",  # its S3, DynamoDB and Secrets Manager clients come from botocore
        "boto3.s3.transfer",
        "domain.ses_import",
        "domain.sns_signature",  # the webhook's SNS rules
        "cryptography.x509",
    },
}


def loaded_by_import(module: str) -> set[str]:
    code = (
        "import json, sys\n"
        f"sys.path[:0] = [{str(ROOT / 'src')!r}]\n"
        f"import {module}\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("handler", sorted(MUST_NOT_LOAD))
def test_handler_init_loads_none_of_what_its_requests_never_use(handler):
    loaded = loaded_by_import(handler)
    assert handler in loaded and "aws_lambda_powertools" in loaded  # the check can see
    assert sorted(MUST_NOT_LOAD[handler] & loaded) == []
