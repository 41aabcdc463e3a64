"""Small statistics for timing samples."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Summary:
    """Median and interquartile range of a set of samples."""

    median: float
    q1: float
    q3: float
    n: int

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @property
    def spread_pct(self) -> float:
        """The IQR as a percentage of the median."""
        return 100.0 * self.iqr / self.median if self.median else 0.0


def summarize(samples: list[float]) -> Summary:
    """Median and quartiles (inclusive method, so 3 samples work)."""
    if not samples:
        raise ValueError("no samples")
    if len(samples) == 1:
        return Summary(samples[0], samples[0], samples[0], 1)
    q1, med, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return Summary(med, q1, q3, len(samples))
