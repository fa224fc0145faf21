"""Reputation metrics as CloudWatch EMF: one metric blob per configuration set.

Powertools `Metrics` keeps one dimension set per flush, while a batch can hold events of
several configuration sets with different counts. So each set gets its own short-lived
`EphemeralMetrics` with the dimensions {service, ConfigurationSet, Pipeline}; the alarms in
template.yaml use exactly these dimensions (metric math over HardBounces / SendRecipients).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

CONFIGURATION_SET_DIMENSION = "ConfigurationSet"
PIPELINE_DIMENSION = "Pipeline"
_MAX_DIMENSION_VALUE = 250


def emit_reputation_metrics(tally: Mapping[str, Mapping[str, int]], pipeline: str) -> int:
    """Print one EMF blob per configuration set in `tally`; returns how many were printed."""
    blobs = 0
    for configuration_set, counts in tally.items():
        if not counts:
            continue
        metrics = EphemeralMetrics()
        metrics.add_dimension(
            name=CONFIGURATION_SET_DIMENSION, value=configuration_set[:_MAX_DIMENSION_VALUE]
        )
        metrics.add_dimension(name=PIPELINE_DIMENSION, value=pipeline)
        for name, value in sorted(counts.items()):
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        metrics.flush_metrics()
        blobs += 1
    return blobs
