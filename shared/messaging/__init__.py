"""Reliable messaging: event contracts, topology, transactional outbox, relay and consumer."""
