"""The notifications service: recipients directory, in-app inbox fed by events."""
