"""Benchmarks: one script per figure. Each prints its figure and its target on its last line.

``uv run python -m benchmarks`` runs them all and prints a table;
``uv run python -m benchmarks NAME`` runs one.
"""
