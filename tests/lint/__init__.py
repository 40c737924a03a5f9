"""Checks `make lint` runs that the standard tools do not offer."""
