"""Presentation of domain results in formats other than JSON (SVG charts), for the transports to serve.

Renderers take plain values from the domain and use cases and return documents; they hold no business rule
and import only the standard library and the domain's errors.
"""
