"""Benchmark: a 50,000-member import end to end (issue 21, item 5), as a manager does it.

Upload (the check runs as a job) -> the check's page -> confirm (the application runs as a
job) -> the job's page says how many were imported. The jobs are run by the worker loop in
this process (``traceapp.workers.work(app, once=True)``), as ``traceapp worker`` runs them;
half of the members are new, half already registered and changed by the file.

    .venv/bin/python bench/member_import.py                     # SQLite in a temp folder
    .venv/bin/python bench/member_import.py postgresql+psycopg://postgres@127.0.0.1/db
Options: --members N (default 50,000), --xlsx (upload an XLSX file instead of CSV).
A PostgreSQL database given must exist and hold nothing else: the script drops its tables.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from traceapp import create_app, workers  # noqa: E402
from traceapp.auth.models import Role, User  # noqa: E402
from traceapp.cooperatives.models import Cooperative, Member  # noqa: E402
from traceapp.extensions import db  # noqa: E402

PASSWORD = "bench-password-21"  # noqa: S105 - a throwaway bench database
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
HEADINGS = ["Member number", "Full name", "Gender", "Birth year", "Village", "Commune", "Phone"]


def _table(count: int) -> list[list[str]]:
    rows = [HEADINGS]
    for i in range(1, count + 1):
        rows.append(
            [
                f"M{i:06d}",
                f"Nguyễn Thị Hội Viên {i}",
                "female" if i % 2 else "male",
                str(1950 + i % 50),
                f"Thôn {i % 40}",
                "Xã Xuân Phước",
                f"09{i:08d}",
            ]
        )
    return rows


def _file(table: list[list[str]], xlsx: bool) -> tuple[bytes, str]:
    if xlsx:
        # Saved as Excel saves it (shared strings, the sheet's dimension declared).
        book = openpyxl.Workbook()
        sheet = book.active
        for row in table:
            sheet.append(row)
        buf = io.BytesIO()
        book.save(buf)
        return buf.getvalue(), "members.xlsx"
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode(), "members.csv"


def _setup(count: int) -> int:
    db.drop_all()
    db.create_all()
    coop = Cooperative(name="HTX Xuân Phước", short_code="XP", province="Phú Yên")
    db.session.add(coop)
    db.session.flush()
    db.session.add(
        User(
            email="manager@bench.test",
            full_name="Quản lý",
            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
            role=Role.MANAGER,
            cooperative_id=coop.id,
        )
    )
    # Half the file's members are registered already (the file changes their village).
    db.session.execute(
        sa.insert(Member),
        [
            {
                "cooperative_id": coop.id,
                "member_number": f"M{i:06d}",
                "full_name": f"Nguyễn Thị Hội Viên {i}",
                "gender": "female" if i % 2 else "male",
                "role": "household",
                "village": "Thôn cũ",
                "public_name_consent": False,
            }
            for i in range(1, count // 2 + 1)
        ],
    )
    db.session.commit()
    return coop.id


def _client(app: Any) -> Any:
    c = app.test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = c.get("/login").get_data(as_text=True)
    token = _CSRF.search(html)
    r = c.post(
        "/login",
        data={
            "email": "manager@bench.test",
            "password": PASSWORD,
            "csrf_token": token.group(1) if token else "",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return c


def run(url: str | None, count: int, xlsx: bool) -> dict[str, float]:
    """One end-to-end import; returns the time of each step."""
    work = Path(tempfile.mkdtemp(prefix="member-import-"))
    app = create_app(
        {
            "TRACEAPP_ENV": "testing",
            "DATABASE_URL": url or f"sqlite:///{work / 'bench.sqlite3'}",
            "SECRET_KEY": "b",
            "INSTANCE_PATH": str(work),
            "RATELIMIT_ENABLED": False,
            "TRACEAPP_JOBS_INLINE": False,  # the jobs wait for the worker, as on a server
            "TRACEAPP_JOBS_INLINE_WORKER": False,  # ... run below, not by a thread of the app
        }
    )
    with app.app_context():
        coop_id = _setup(count)
        db.session.remove()
    content, name = _file(_table(count), xlsx)
    c = _client(app)
    times: dict[str, float] = {}
    started = t = time.perf_counter()
    r = c.post(
        f"/cooperatives/{coop_id}/members/import",
        data={"file": (io.BytesIO(content), name), "csrf_token": _token(c, coop_id)},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    job_page = r.headers["Location"]
    times["upload"] = time.perf_counter() - t
    t = time.perf_counter()
    assert workers.work(app, once=True) == 1
    times["check job"] = time.perf_counter() - t
    t = time.perf_counter()
    html = c.get(job_page).get_data(as_text=True)
    assert "No problems." in html, html[-3000:]
    import_id = re.search(r'name="import_id" type="hidden" value="(\d+)"', html).group(1)
    times["check page"] = time.perf_counter() - t
    t = time.perf_counter()
    r = c.post(
        f"/cooperatives/{coop_id}/members/import/confirm",
        data={"import_id": import_id, "csrf_token": _CSRF.search(html).group(1)},
    )
    assert r.status_code == 302 and "/member-imports/" in r.headers["Location"], r.headers
    times["confirm"] = time.perf_counter() - t
    t = time.perf_counter()
    assert workers.work(app, once=True) == 1
    times["apply job"] = time.perf_counter() - t
    html = c.get(job_page).get_data(as_text=True)
    assert f"{count:,} members imported." in html, html[-2000:]
    times["total"] = time.perf_counter() - started
    with app.app_context():
        registered = db.session.scalar(sa.select(sa.func.count(Member.id)))
        assert registered == count, registered
        db.session.remove()
        db.engine.dispose()
    return times


def _token(c: Any, coop_id: int) -> str:
    html = c.get(f"/cooperatives/{coop_id}/members/import").get_data(as_text=True)
    found = _CSRF.search(html)
    return found.group(1) if found else ""


def main() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    """Run the benchmark and print each step's time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?")
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--xlsx", action="store_true")
    args = parser.parse_args()
    times = run(args.url, args.members, args.xlsx)
    kind = "PostgreSQL" if args.url else "SQLite"
    print(f"{args.members:,} members ({'XLSX' if args.xlsx else 'CSV'}) on {kind}:")
    for step, seconds in times.items():
        print(f"  {step}: {seconds:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of the process (app, worker and the file): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
