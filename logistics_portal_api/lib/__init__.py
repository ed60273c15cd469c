"""Pure-Python pieces of the customer API: keys, scopes, throttling, OpenAPI."""
