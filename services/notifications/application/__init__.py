"""Use cases of the notifications service; each module is one group of them, and main.py wires them."""
