"""AWS clients made by botocore itself, for adapters of functions that need nothing of boto3.

`boto3.client(service)` creates the same botocore client through boto3's default session,
which adds resources, S3 transfer methods and its user-agent name; importing boto3 is a
sizeable part of a cold start on top of botocore, which pynamodb loads anyway
(docs/decisions.md).
Clients made here share one botocore session (its loaded service models and resolved
credentials), as boto3's default session shares its own; region, endpoints
(AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), retries and credentials come from the same
variables and files, read by the same botocore code.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import botocore.session


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


def client(service: str) -> Any:
    """A client for `service` (a botocore service name: "s3", "dynamodb", ...)."""
    return _session().create_client(service)
