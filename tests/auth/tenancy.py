"""Requests of the auth package that name an object, for tests/test_tenancy_references.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.tenancy_objects import Reference


def references(world: Any, a: dict[str, Callable[[], Any]]) -> list[Reference]:
    """A new account names its cooperative (a manager may only name their own)."""
    account = {"full_name": "Nhân viên mới", "role": "staff", "password": "a-long-new-password-9"}
    return [
        Reference(
            "POST /api/v1/users cooperative_id",
            lambda i: (
                "/api/v1/users",
                {**account, "email": "nhanvien.moi1@htx-beta.vn", "cooperative_id": i},
            ),
            world.a.coop.id,
            world.b.coop.id,
        ),
        Reference(
            "UserForm.cooperative_id",
            lambda i: (
                "/users",
                {**account, "email": "nhanvien.moi2@htx-beta.vn", "cooperative_id": i},
            ),
            world.a.coop.id,
            world.b.coop.id,
            form=True,
        ),
    ]
