"""Label rendering internals; import the public API from ``traceapp.labels.rendering``."""
