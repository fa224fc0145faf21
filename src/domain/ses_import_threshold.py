"""The default size from which a change to SES's suppression list goes through an import job.

Apart from `domain.ses_import`, which decides what goes through a job: the settings every
function reads at cold start name this default, and only SesSyncFunction and the CLI need
the import-job code itself.
"""

from __future__ import annotations

#: The smallest set that goes through a job. At SES's 1 request/s, 100 addresses take 100 s
#: one at a time; the job SES documents as an example took 87 s from creation to completion,
#: and a job costs the same few requests whatever its size (docs/decisions.md).
DEFAULT_BULK_THRESHOLD = 100
