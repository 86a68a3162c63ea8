"""Label tests reuse the lot tests' farm."""

from tests.batches.conftest import farm  # noqa: F401 - a fixture, found by pytest by name
