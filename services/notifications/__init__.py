"""Notifications service: tells the people involved what happened and what to do, in their language."""
