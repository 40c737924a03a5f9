"""Benchmarks of Pathways against a naive peer and the ceiling (``make bench``; see bench/README.md)."""
