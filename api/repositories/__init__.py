"""Adapters: asyncpg repositories implementing the domain ports, the pool and the unit of work."""
