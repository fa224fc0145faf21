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

#: Each function's own settings (adapters/*_settings.py); a function loads only its own.
FUNCTION_SETTINGS = frozenset(
    {
        "adapters.return_path_settings",
        "adapters.inbound_settings",
        "adapters.unsubscribe_settings",
        "adapters.webhook_settings",
        "adapters.auto_pause_settings",
        "adapters.change_events_settings",
    }
)
#: Loaded by no handler: the Powertools parser and its validation library.
NEVER = frozenset({"pydantic", "aws_lambda_powertools.utilities.parser"})
#: Importing one Powertools event class imports all of them; these handlers read the few
#: fields they need from the event themselves.
EVENT_CLASSES = "aws_lambda_powertools.utilities.data_classes"

MUST_NOT_LOAD: dict[str, frozenset[str]] = {
    "handlers.webhook": NEVER
    | (FUNCTION_SETTINGS - {"adapters.webhook_settings"})
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
    | (FUNCTION_SETTINGS - {"adapters.inbound_settings", "adapters.return_path_settings"})
    | {
        EVENT_CLASSES,
        "boto3",  # its S3, DynamoDB and Secrets Manager clients come from botocore
        "boto3.s3.transfer",
        "domain.ses_import",
        "domain.sns_signature",  # the webhook's SNS rules
        "cryptography.x509",
    },
    # The read API reads stored items: it never applies outcomes, so neither the policy nor
    # the service that runs it (the factory imports them where it builds the service).
    "handlers.suppression_api": NEVER
    | FUNCTION_SETTINGS
    | {"domain.policy", "domain.service", "pynamodb", "domain.classify"},
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


#: What a handler's first request reads through the factory, which imports it lazily: the
#: handler loads it at init, so the first request does not pay for it.
MUST_LOAD: dict[str, frozenset[str]] = {
    "handlers.webhook": frozenset({"adapters.webhook_settings", "adapters.sns_certificates"}),
    "handlers.inbound": frozenset({"adapters.inbound_settings", "adapters.mail_store"}),
    "handlers.unsubscribe": frozenset({"adapters.unsubscribe_settings"}),
    "handlers.auto_pause": frozenset({"adapters.auto_pause_settings"}),
    "handlers.change_events": frozenset({"adapters.change_events_settings"}),
}


@pytest.mark.parametrize("handler", sorted(MUST_LOAD))
def test_handler_init_loads_the_settings_its_first_request_reads(handler):
    assert sorted(MUST_LOAD[handler] - loaded_by_import(handler)) == []
