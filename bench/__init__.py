"""Benchmarks: each pair runs in the same process run, alternating, and reports ratios."""
