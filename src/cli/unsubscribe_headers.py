"""``ses-feedback unsubscribe-headers ADDRESS... --scope S``: one-click unsubscribe headers.

Prints the ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` fields (RFC 8058) to put on a
message to each address: an HTTPS link with a token sealed for that recipient and scope, and
the unsubscribe mailbox as a mailto link (docs/unsubscribe.md). Senders in Python call
``domain.unsubscribe_headers.unsubscribe_headers`` instead.

Keys (the return-path keys): $RETURN_PATH_KEYS, else the secret in $RETURN_PATH_SECRET_ARN,
else --secret-arn, else the ``ReturnPathSecretArn`` output of --stack. Endpoint: --base-url,
else $UNSUBSCRIBE_BASE_URL, else the ``UnsubscribeUrl`` output of --stack. Mailbox:
--mailbox, else the first of $UNSUBSCRIBE_MAILBOXES, else none (no mailto link). Output: the
two header lines per address (``--json``: one object per line with ``address``, ``scope``
and the two fields). A bad address is an error (exit status 1) and prints nothing for it.
"""

from __future__ import annotations

import argparse
import json
import sys

from cli.address_input import addresses_from
from cli.return_path_secret import stack_output, with_secret

URL_OUTPUT = "UnsubscribeUrl"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "unsubscribe-headers",
        help="List-Unsubscribe headers with one-click (RFC 8058) links, for senders",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("addresses", nargs="+", metavar="ADDRESS", help="recipient(s), or - for stdin")
    p.add_argument("--scope", help="the list or topic the message is sent under (default global)")
    p.add_argument("--base-url", help="the endpoint (UnsubscribeUrl output)")
    p.add_argument("--mailbox", help="the unsubscribe mailbox for the mailto link")
    p.add_argument("--secret-arn", help="Secrets Manager secret holding the keys")
    p.add_argument("--stack", default="ses-feedback-dev", help="stack to read outputs from")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adapters.return_path_keys import load_keys
    from adapters.settings import ConfigurationError
    from adapters.unsubscribe_settings import load_unsubscribe_settings
    from domain.addresses import InvalidAddressError, normalise_addr_spec
    from domain.scopes import InvalidScopeError, normalise_scope
    from domain.unsubscribe_headers import HeaderConfigurationError, unsubscribe_headers
    from domain.unsubscribe_token import TokenConfigurationError, UnsubscribeTokens

    cfg = load_unsubscribe_settings()
    try:
        scope = normalise_scope(args.scope)
    except InvalidScopeError as exc:
        raise ConfigurationError(f"--scope: {exc}") from None
    keys_cfg = with_secret(cfg.return_path, args)
    base_url = args.base_url or cfg.base_url or stack_output(args, URL_OUTPUT)
    mailbox = args.mailbox or cfg.mailbox
    try:
        tokens = UnsubscribeTokens(load_keys(keys_cfg), lifetime=cfg.lifetime)
    except TokenConfigurationError as exc:
        raise ConfigurationError(f"unsubscribe keys: {exc}") from None
    status = 0
    for address in addresses_from(args.addresses):
        try:
            recipient = normalise_addr_spec(address)
        except InvalidAddressError as exc:
            print(f"ses-feedback: error: not an address: {exc}", file=sys.stderr)
            status = 1
            continue
        try:
            headers = unsubscribe_headers(
                tokens, recipient, base_url=base_url, scope=scope, mailbox=mailbox
            )
        except HeaderConfigurationError as exc:
            raise ConfigurationError(str(exc)) from None
        if args.json:
            print(json.dumps({"address": recipient, "scope": scope, **headers}))
        else:
            for name, value in headers.items():
                print(f"{name}: {value}")
    return status
