"""Hypothesis strategies shared by the tests, one module per domain."""
