"""Accountability for personal data (UU 27/2022): the audit trail of who read or changed whose records,
and the plumbing every service uses to answer data-subject requests and enforce retention."""
