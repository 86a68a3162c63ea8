"""The consumer's provenance page and the GS1 Digital Link resolver."""
