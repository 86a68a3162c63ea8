"""Demo data from the cases our users describe; loading it twice changes nothing."""

from __future__ import annotations

from traceapp.database import run_unit_of_work
from traceapp.extensions import db


def load_demo() -> list[tuple[str, str, str]]:
    """Load every demo step in one unit of work; return the logins to print."""
    from traceapp.demo import people

    def _steps() -> list[tuple[str, str, str]]:
        coops = people.load_cooperatives()
        return people.load_users(coops)

    return run_unit_of_work(db.session, _steps)
