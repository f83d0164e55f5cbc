"""Evaluation service: Kirkpatrick evaluations opened by completions, submitted by the right people."""
