"""Use cases of the evaluation service; each module is one group of them, and main.py wires them."""
