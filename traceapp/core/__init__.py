"""The lowest layer: small helpers every domain package may use; it imports no domain code."""
