"""Open Badges 3.0 certificates of the training service: issued with every completion, published,
revoked by BKPSDM, verified by anyone (``shared.credentials`` does the signing; docs/credentials.md)."""
