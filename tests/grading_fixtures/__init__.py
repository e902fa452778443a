"""Helpers for the grading tests: submissions made from the solution notebooks."""
