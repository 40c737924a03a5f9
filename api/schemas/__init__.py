"""The REST contract: pydantic DTOs built from domain objects, never the other way round."""
