"""REST transport: thin routes that parse, call one use case, and map the result."""
