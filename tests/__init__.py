"""traceapp's test suite."""
