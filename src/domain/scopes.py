"""Suppression scopes: which mail a suppression applies to.

`global` (the default) blocks every message to the address. A named scope (`marketing`, a
list id, an SES contact list, `list:topic`) blocks only mail sent under that scope. Hard
bounces and complaints are always global: the mailbox is gone or the person objected to us,
whatever the stream. Unsubscribes and SES `Subscription` opt-outs are scoped to their list
or topic.

Scopes nest on `:`: a check for `newsletter:weekly` is also blocked by a suppression in
`newsletter` and, always, by a global one. So a globally suppressed address can never be
sent to under any scope.
"""

from __future__ import annotations

import re
from typing import Final

GLOBAL_SCOPE: Final = "global"
SCOPE_SEPARATOR: Final = ":"
MAX_SCOPE_LENGTH: Final = 128

# Lower-case letters, digits and a few separators; no spaces, so a scope is safe in a URL
# path, a subaddress (unsubscribe+marketing@...) and a DynamoDB attribute name.
_SCOPE_PART: Final = r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?"
_SCOPE_RE: Final = re.compile(rf"{_SCOPE_PART}(?:{SCOPE_SEPARATOR}{_SCOPE_PART})*")


class InvalidScopeError(ValueError):
    """The text is not a scope name (the message says why, without quoting it back)."""


def normalise_scope(name: str | None) -> str:
    """The canonical form of a scope name: lower-cased, trimmed; None or empty = global."""
    if name is None:
        return GLOBAL_SCOPE
    scope = name.strip().lower()
    if not scope:
        return GLOBAL_SCOPE
    if len(scope) > MAX_SCOPE_LENGTH:
        raise InvalidScopeError(f"a scope is at most {MAX_SCOPE_LENGTH} characters")
    if not _SCOPE_RE.fullmatch(scope):
        raise InvalidScopeError(
            "a scope is lower-case letters, digits, '.', '_' and '-', in parts joined by ':'"
        )
    return scope


def covering_scopes(scope: str) -> tuple[str, ...]:
    """Every scope whose suppression blocks mail sent under `scope`, broadest first:
    `a:b:c` -> (global, a, a:b, a:b:c)."""
    if scope == GLOBAL_SCOPE:
        return (GLOBAL_SCOPE,)
    parts = scope.split(SCOPE_SEPARATOR)
    return (GLOBAL_SCOPE, *(SCOPE_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts))))
