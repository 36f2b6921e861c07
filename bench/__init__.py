"""Benchmarks: run each file as a script."""
