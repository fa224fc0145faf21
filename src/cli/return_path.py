"""``ses-feedback return-path ADDRESS... --domain D``: signed return paths for senders.

A DSN or ARF report changes the suppression table only when it carries a return path signed
for the recipient it names (docs/inbound.md). Services that send mail use this, or
``domain.inbound.proof.ReturnPathSigner``, to build the ``ReturnPath`` /
``FeedbackForwardingEmailAddress`` (or envelope sender) of each message.

Keys: $RETURN_PATH_KEYS, else the secret in $RETURN_PATH_SECRET_ARN, else --secret-arn, else
the ``ReturnPathSecretArn`` output of --stack. Addresses from the arguments, or one per line
on stdin with ``-``. Output: one line per address (``--json``: one object per line with
``address`` and ``return_path``). A bad address is an error (exit status 1) and prints nothing
for that address.
"""

from __future__ import annotations

import argparse
import json
import sys

from cli.address_input import addresses_from
from cli.return_path_secret import with_secret


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "return-path",
        help="signed return paths (proof for inbound bounces and complaints)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("addresses", nargs="+", metavar="ADDRESS", help="recipient(s), or - for stdin")
    p.add_argument("--domain", required=True, help="the receiving domain (InboundRecipients)")
    p.add_argument("--secret-arn", help="Secrets Manager secret holding the keys")
    p.add_argument("--stack", default="ses-feedback-dev", help="stack with ReturnPathSecretArn")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adapters.return_path_keys import load_signer
    from adapters.return_path_settings import load_return_path_settings
    from adapters.settings import ConfigurationError
    from domain.addresses import InvalidAddressError, normalise_addr_spec
    from domain.inbound.proof import ProofConfigurationError

    cfg = with_secret(load_return_path_settings(), args)
    signer = load_signer(cfg)
    if signer is None:
        raise ConfigurationError("the return-path secret holds no key")
    status = 0
    for address in addresses_from(args.addresses):
        try:
            path = signer.return_path(normalise_addr_spec(address), args.domain)
        except InvalidAddressError as exc:
            print(f"ses-feedback: error: not an address: {exc}", file=sys.stderr)
            status = 1
            continue
        except ProofConfigurationError as exc:  # the --domain is unusable
            raise ConfigurationError(str(exc)) from None
        if args.json:
            print(json.dumps({"address": address, "return_path": path}))
        else:
            print(path)
    return status
