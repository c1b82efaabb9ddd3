"""The benchmark of `make bench` (docs/performance.md)."""

DEFAULT_MONTH = "2021-01"  # the one more month; the full build loads the 36 before it
