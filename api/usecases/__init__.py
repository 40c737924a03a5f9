"""Application layer: async use cases that load through the ports, call the domain, and save."""
