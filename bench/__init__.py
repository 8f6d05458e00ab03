"""Benchmarks run against a real local platform: ``python -m bench.booking_vs_echo``."""
