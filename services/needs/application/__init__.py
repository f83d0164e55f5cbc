"""Use cases of the needs service; each module is one group of them, and main.py wires them."""
