"""Kafka plumbing: broker factory, topic administration, transactional outbox and idempotent consumers."""
