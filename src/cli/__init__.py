"""The operator's command line: `ses-feedback` (also `python -m cli`)."""
