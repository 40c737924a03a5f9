"""GraphQL transport: a Strawberry projection of the same use cases as REST."""
