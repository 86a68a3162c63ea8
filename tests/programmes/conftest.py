"""Fixtures of the programme tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import login
from tests.programmes.factories import Support, make_support


@pytest.fixture
def support(world: Any) -> Support:
    """Organisation A with its officer and a programme in cooperative A's province."""
    return make_support("Alpha")


@pytest.fixture
def other_support(world: Any) -> Support:
    """Organisation B with its officer and a programme in Khánh Hòa."""
    return make_support("Beta", province="Khánh Hòa")


@pytest.fixture
def officer_client(app: Any, support: Support) -> Any:
    """Signed in as organisation A's programme officer."""
    c = app.test_client()
    login(c, support.officer.email)
    return c
