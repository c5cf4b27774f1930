"""Benchmarks and evaluations: `make bench` runs them all and rewrites docs/benchmarks.md."""
