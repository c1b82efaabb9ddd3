"""The benchmark of `make bench` (docs/performance.md)."""
