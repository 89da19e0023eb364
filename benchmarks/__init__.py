"""Benchmarks: `python -m benchmarks` runs them side by side with their peers and prints the table."""
