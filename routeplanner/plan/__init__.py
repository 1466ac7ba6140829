"""A base-building block: weeks of sessions, each run with its route."""
