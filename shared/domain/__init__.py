"""The pure core every service shares: refusals, lifecycles, the Medan clock, identities and the vocabulary
the contracts and the domains both speak. Standard library only, so a domain that imports it stays pure."""
