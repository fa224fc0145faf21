"""Names vulture (min confidence 60, `make lint`) reports as unused but something outside
our code reads: a framework, a library base class, `dataclasses.asdict`, dataclass ordering.

Each line names the real object, so a unit test (tests/unit/test_vulture_allowlist.py)
executes this file and fails when an entry no longer exists: the list cannot go stale.
Pytest fixtures, `pytestmark`, `do_<METHOD>` handlers and their `close_connection`,
Powertools routes and the keyword names of fakes that mirror boto3 are allowed by decorator
and name in pyproject.toml ([tool.vulture]), not here.
"""

import dataclasses
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace
from typing import Any
from urllib.request import HTTPRedirectHandler

from aws_lambda_powertools.utilities.typing import LambdaContext
from moto.server import ThreadedMotoServer

from adapters.inbound_table import InboundModel
from adapters.redrive import MoveSummary
from adapters.ses_identity import NotificationSettings
from adapters.suppression_table import SuppressionModel
from domain.classify.dsn import DsnRecipient
from domain.policy import _Candidate
from domain.sns_signature import SnsMessage


def fields(cls: Any) -> Any:
    """A dataclass's fields as attributes (a field without a default is no class attribute)."""
    return SimpleNamespace(**{f.name: f for f in dataclasses.fields(cls)})


# Fake Lambda contexts (cli/demo.py, bench/firehose.py, tests/packaging): Powertools' Logger
# reads these attributes of the context object.
LambdaContext.function_version
LambdaContext.memory_limit_in_mb
LambdaContext.invoked_function_arn
LambdaContext.aws_request_id
LambdaContext.log_group_name
LambdaContext.log_stream_name
LambdaContext.get_remaining_time_in_millis

# pynamodb reads Meta's client options and writes/reads every declared attribute by name
# (record_to_item builds the keyword arguments).
SuppressionModel.Meta.connect_timeout_seconds
SuppressionModel.Meta.read_timeout_seconds
SuppressionModel.Meta.max_retry_attempts
SuppressionModel.updated_at
InboundModel.s3_bucket
InboundModel.s3_key
InboundModel.s3_uri
# Indexes are declared so the models match template.yaml (tests/unit/test_template_model_match.py
# reads them generically); other services query them.
InboundModel.by_mailbox

# Dataclass fields kept for their readers outside attribute access: the redrive JSON report
# (asdict), the DSN and SNS message records (complete parsed views), dataclass ordering.
fields(MoveSummary).source_arn
fields(DsnRecipient).remote_mta
fields(DsnRecipient).actual_recipient
fields(SnsMessage).unsubscribe_url
fields(NotificationSettings).forwarding_enabled
fields(_Candidate).precedence

# Overrides of library base classes, called by the library: urllib's redirect hook, the
# test proxy's HTTP handler (tests/integration/test_fault_injection.py), moto's server thread
# (cli/local_env.py, defined inside a function).
HTTPRedirectHandler.redirect_request
BaseHTTPRequestHandler.protocol_version
BaseHTTPRequestHandler.log_message
ThreadedMotoServer._server_entry
