"""The trail network: its array model and how it is built (and cached)."""
