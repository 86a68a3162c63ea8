"""Benchmark: importing 10,000 zone codes from a GeoJSON file (issue 21, item 5).

Writes a FeatureCollection of N small polygon zones (the export's properties), then runs the
import job's two stages as a worker would (the check, then the import once confirmed) and
prints the time of each, for SQLite (a temp file) or the PostgreSQL database given.

    .venv/bin/python bench/zone_import.py                    # SQLite, 10,000 zones
    .venv/bin/python bench/zone_import.py postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/zone_import.py --count 1000
A PostgreSQL database given must exist and hold nothing else: the script drops its tables.

Measured 2026-12-05 on the shared 2-core machine (other jobs running, so wall times are
high): 10,000 polygon zones, 4.5 MB of GeoJSON. SQLite: check 25 s, import 45 s.
PostgreSQL 15: check 14 s, import 50 s (99 s in a busier run; 1,000 zones: 2.4 s and 4.4 s).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from traceapp import create_app  # noqa: E402
from traceapp.extensions import db  # noqa: E402


def _features(count: int) -> dict[str, object]:
    features = []
    for n in range(count):
        lon, lat = 108.6 + 0.002 * (n % 300), 13.0 + 0.002 * (n // 300)
        ring = [[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.001], [lon, lat + 0.001]]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                "properties": {
                    "code": f"VN-PYB-{n:05d}",
                    "kind": "growing_area",
                    "name": f"Vùng trồng {n}",
                    "crop": "đậu phộng",
                    "province": "Phú Yên",
                    "district": "Đồng Xuân",
                    "declared_area_ha": 1.2,
                    "valid_until": "2099-05-13",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    """Build the file, run both stages, print the times."""
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?")
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="zone-import-"))
    url = args.url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app(
        {
            "TRACEAPP_ENV": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder),
            "TRACEAPP_JOBS_INLINE": False,
            "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        }
    )
    from traceapp.auth.models import Role, User
    from traceapp.cooperatives.models import Cooperative
    from traceapp.zones import import_jobs
    from traceapp.zones.models import Zone, ZoneImportJob

    with app.app_context():
        db.drop_all()
        db.create_all()
        coop = Cooperative(name="HTX Bench", short_code="BENCH", province="Phú Yên")
        # The job only needs its requester; nobody signs in with this account.
        user = User(email="bench@example.test", full_name="Bench", role=Role.MANAGER)
        user.password_hash = "!"  # noqa: S105 - no password hashes to this
        user.cooperative = coop
        db.session.add_all([coop, user])
        db.session.commit()
        path = folder / "zones.geojson"
        path.write_text(json.dumps(_features(args.count)), encoding="utf-8")
        job = import_jobs.start_job(user, coop.id, path, path.stat().st_size, "zones.geojson")
        db.session.commit()
        job_id = job.id
    print(f"{url.split(':')[0]}: {args.count} zones, {path.stat().st_size / 1e6:.1f} MB")
    started = time.perf_counter()
    import_jobs.execute(app, job_id)
    checked = time.perf_counter() - started
    with app.app_context():
        job = db.session.get_one(ZoneImportJob, job_id)
        assert job.status == "checked" and not job.problems, (job.error, (job.problems or [])[:3])
        import_jobs.confirm(user := db.session.get_one(User, job.requested_by_id), job)
        db.session.commit()
    started = time.perf_counter()
    import_jobs.execute(app, job_id)
    applied = time.perf_counter() - started
    with app.app_context():
        job = db.session.get_one(ZoneImportJob, job_id)
        count = db.session.query(Zone).count()
        assert job.status == "done", job.error
        print(f"check {checked:.1f} s, import {applied:.1f} s, zones {count}, {job.result}")
        db.session.remove()
        db.drop_all()


if __name__ == "__main__":
    main()
