"""The benchmark of `make bench` (docs/performance.md)."""

DEFAULT_MONTH = "2021-01"  # the one more month; the full build loads the 36 before it
# The pandas script runs at scales up to this many enterprises (issue #30 compares at 100k),
# unless `parks bench --pandas` or `--no-pandas` says otherwise.
PANDAS_UP_TO = 100_000
