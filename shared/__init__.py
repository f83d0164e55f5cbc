"""Code shared by the four services: event contracts and common plumbing. Never imports services/."""
