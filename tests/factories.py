"""Test data builders (factory_boy), writing through the test's session."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from tests.conftest import PASSWORD
from traceapp.auth.models import Role, User
from traceapp.cooperatives.models import Cooperative, Gender, Member
from traceapp.extensions import db

# A cheap hash keeps tests fast; real accounts use Werkzeug's default (scrypt).
_TEST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_codes = itertools.count(1)


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


def _short_code(n: int) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "T" + letters[n % len(letters)] + letters[(n // len(letters)) % len(letters)] + str(n)


class CooperativeFactory(_Base):
    class Meta:
        model = Cooperative

    name = factory.Sequence(lambda n: f"Hợp tác xã Thử nghiệm {n}")
    short_code = factory.LazyFunction(lambda: _short_code(next(_codes)))
    province = "Phú Yên"
    district = "Đồng Xuân"
    commune = "Xuân Phước"


class MemberFactory(_Base):
    class Meta:
        model = Member

    cooperative = factory.SubFactory(CooperativeFactory)
    member_number = factory.Sequence(lambda n: f"{n + 1:04d}")
    full_name = factory.Sequence(lambda n: f"Thành viên {n}")
    gender = Gender.FEMALE


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password_hash = _TEST_HASH
    role = Role.STAFF
    cooperative = factory.SubFactory(CooperativeFactory)


@dataclass
class Tenant:
    """One cooperative's people."""

    coop: Cooperative
    manager: User
    staff: User
    members: list[Member]


@dataclass
class World:
    """Two tenants, an admin and two auditors."""

    a: Tenant
    b: Tenant
    admin: User
    auditor: User
    other_auditor: User


def make_tenant(label: str, province: str = "Phú Yên") -> Tenant:
    """A cooperative with a manager, a staff member and three members (two women)."""
    coop = CooperativeFactory(name=f"Hợp tác xã {label}", province=province)
    manager = UserFactory(
        email=f"manager-{label.lower()}@example.test",
        role=Role.MANAGER,
        cooperative=coop,
        full_name=f"Manager {label}",
    )
    staff = UserFactory(
        email=f"staff-{label.lower()}@example.test",
        role=Role.STAFF,
        cooperative=coop,
        full_name=f"Staff {label}",
    )
    members = [
        MemberFactory(
            cooperative=coop,
            member_number="0001",
            full_name=f"Nguyễn Thị {label}1",
            gender=Gender.FEMALE,
        ),
        MemberFactory(
            cooperative=coop,
            member_number="0002",
            full_name=f"Trần Văn {label}2",
            gender=Gender.MALE,
        ),
        MemberFactory(
            cooperative=coop,
            member_number="0003",
            full_name=f"Lê Thị {label}3",
            gender=Gender.FEMALE,
        ),
    ]
    return Tenant(coop, manager, staff, members)


def make_world() -> World:
    """The standard cast of the tests."""
    a = make_tenant("Alpha")
    b = make_tenant("Beta", province="Khánh Hòa")
    admin = UserFactory(email="admin@example.test", role=Role.ADMIN, cooperative=None)
    auditor = UserFactory(
        email="auditor@example.test", role=Role.AUDITOR, cooperative=None, province="Phú Yên"
    )
    other_auditor = UserFactory(
        email="auditor-kh@example.test", role=Role.AUDITOR, cooperative=None, province="Khánh Hòa"
    )
    return World(a=a, b=b, admin=admin, auditor=auditor, other_auditor=other_auditor)
