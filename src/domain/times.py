"""Times as the table, the archive and the API write them: ISO 8601 in UTC at millisecond
precision with a `Z` (SES's own format, e.g. `2017-08-05T00:41:02.669Z`)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
