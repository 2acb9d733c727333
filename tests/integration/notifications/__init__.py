"""Integration tests of the notifications service (real PostgreSQL)."""
