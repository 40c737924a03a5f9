"""Pathways: the API that career pathway partnerships run on."""

__version__ = "0.1.0"
