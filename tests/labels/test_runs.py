"""Issuing label runs: serials, URLs, refusal rules, voids, and printing through the API."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa
import zxingcpp
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from PIL import Image

from tests.conftest import bearer
from tests.farm import harvest_lot
from traceapp.audit.models import AuditRecord
from traceapp.batches import transformations
from traceapp.brands.services import revoke_grant
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.gs1 import AI82_VALUE_RE
from traceapp.labels import contents, services
from traceapp.labels.models import Label
from traceapp.zones.models import ZoneStatus

SERIAL_RE = re.compile(r"^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{16}$")


def _packed_lot(farm, quantity="1000"):
    """A closed lot of the 500 g bag (which has a GTIN), made from a harvest."""
    harvest = harvest_lot(farm, quantity)
    [packed] = transformations.transform(
        farm.world.a.manager,
        kind="packing",
        inputs=[{"lot_id": harvest.id, "quantity": quantity}],
        outputs=[
            {
                "product_id": farm.peanuts_packed.id,
                "quantity": quantity,
                "unit": "KGM",
                "production_date": harvest.production_date,
            }
        ],
    )
    return packed


def test_serials_are_random_unique_and_in_the_gs1_set(farm):
    lot = _packed_lot(farm)
    run = services.issue_run(farm.world.a.manager, lot, count=300)
    serials = db.session.scalars(sa.select(Label.serial).where(Label.run_id == run.id)).all()
    assert len(serials) == len(set(serials)) == 300
    assert all(SERIAL_RE.match(s) and AI82_VALUE_RE.match(s) for s in serials)
    # no two serials share a long common prefix, as counters or timestamps would
    assert len({s[:6] for s in serials}) > 290


def test_urls_are_digital_links_that_parse_back(farm):
    lot = _packed_lot(farm)
    run = services.issue_run(farm.world.a.manager, lot, count=3)
    label = db.session.execute(sa.select(Label).where(Label.run_id == run.id)).scalars().first()
    url = contents.label_url(lot.product, lot.code, label.serial)
    assert url == (f"https://trace.example.vn/01/08934567890120/10/{lot.code}/21/{label.serial}")
    parsed = {e.ai.ai: e.value for e in GS1DigitalLinkURI.parse(url).element_strings}
    assert parsed == {"01": "08934567890120", "10": lot.code, "21": label.serial}


def test_products_without_gtin_get_short_links(farm):
    lot = harvest_lot(farm, "100")
    run = services.issue_run(farm.world.a.manager, lot, count=2)
    serial = db.session.scalars(sa.select(Label.serial).where(Label.run_id == run.id)).first()
    assert contents.label_url(lot.product, lot.code, serial) == (
        f"https://trace.example.vn/l/{serial}"
    )


def test_refused_for_a_recalled_lot(farm):
    from traceapp.batches.recall import recall_lot

    lot = _packed_lot(farm)
    recall_lot(
        farm.world.a.manager,
        lot,
        reason="salmonella found",
        instructions="return it",
        decided_by="Manager",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.issue_run(farm.world.a.manager, lot, count=1)
    assert "recalled" in exc.value.errors["lot"][0]


def test_refused_when_a_producer_lost_the_right_to_the_mark(farm):
    lot = _packed_lot(farm)
    grant = farm.growers[0]
    from traceapp.brands.models import MarkGrant

    g = db.session.execute(sa.select(MarkGrant).where(MarkGrant.member_id == grant.id)).scalar_one()
    from traceapp.database import local_today

    revoke_grant(
        farm.world.a.manager,
        g,
        reason="sold uncertified peanuts under the mark",
        effective_on=local_today(),
    )
    with pytest.raises(ValidationFailed) as exc:
        services.issue_run(farm.world.a.manager, lot, count=1)
    assert grant.full_name in " ".join(exc.value.errors["mark"])


def test_refused_beyond_the_mass_balance(farm):
    lot = _packed_lot(farm, "100")  # 100 kg of 500 g bags: 200 labels
    assert services.serial_capacity(lot) == 200
    services.issue_run(farm.world.a.manager, lot, count=150)
    with pytest.raises(ValidationFailed) as exc:
        services.issue_run(farm.world.a.manager, lot, count=51)
    assert "50 more labels" in exc.value.errors["count"][0]
    services.issue_run(farm.world.a.manager, lot, count=50)


def test_refused_when_a_zone_code_is_suspended_or_expired(farm):
    lot = _packed_lot(farm)
    farm.field.status = ZoneStatus.SUSPENDED
    db.session.flush()
    with pytest.raises(ValidationFailed) as exc:
        services.issue_run(farm.world.a.manager, lot, count=1)
    assert "VN-TEST-0001" in exc.value.errors["zones"][0]
    farm.field.status = ZoneStatus.APPROVED
    import datetime as dt

    farm.field.valid_until = dt.date(2026, 1, 1)
    db.session.flush()
    with pytest.raises(ValidationFailed):
        services.issue_run(farm.world.a.manager, lot, count=1)


@pytest.mark.parametrize("count", [0, -3, 100_001])
def test_count_out_of_range_names_the_field(client, api_token, farm, count):
    lot = _packed_lot(farm)
    r = client.post(
        f"/api/v1/batches/{lot.id}/label-runs", json={"count": count}, headers=bearer(api_token)
    )
    assert r.status_code == 422
    assert "count" in r.json["errors"]["json"]


def test_void_single_range_and_run_and_serials_are_never_reused(farm):
    lot = _packed_lot(farm)
    actor = farm.world.a.manager
    run = services.issue_run(actor, lot, count=20)
    first = db.session.scalars(
        sa.select(Label.serial).where(Label.run_id == run.id, Label.seq == 1)
    ).one()
    assert services.void_labels(actor, run, reason="torn", serial=first) == 1
    assert services.void_labels(actor, run, reason="misprint", first=5, last=9) == 5
    with pytest.raises(Conflict):
        services.void_labels(actor, run, reason="again", serial=first)
    assert contents.live_count(run) == 14
    assert services.void_labels(actor, run, reason="wrong lot") == 14
    again = services.issue_run(actor, lot, count=20)
    old = set(db.session.scalars(sa.select(Label.serial).where(Label.run_id == run.id)))
    new = set(db.session.scalars(sa.select(Label.serial).where(Label.run_id == again.id)))
    assert not old & new
    actions = db.session.scalars(sa.select(AuditRecord.action)).all()
    assert actions.count("labels.void") == 3
    assert actions.count("labels.issue") == 2


def test_lot_level_copies_share_one_link_without_a_serial(farm, client, api_token):
    lot = _packed_lot(farm)
    r = client.post(
        f"/api/v1/batches/{lot.id}/label-runs",
        headers=bearer(api_token),
        json={"count": 12, "kind": "lot_copies", "template": "a4-4x10"},
    )
    assert r.status_code == 201, r.json
    labels = client.get(f"/api/v1/label-runs/{r.json['id']}/labels", headers=bearer(api_token)).json
    assert len(labels) == 1
    assert labels[0]["url"] == f"https://trace.example.vn/01/08934567890120/10/{lot.code}"


def test_png_and_svg_of_a_label_decode(farm, client, api_token):
    lot = _packed_lot(farm)
    run = services.issue_run(farm.world.a.manager, lot, count=1)
    serial = db.session.scalars(sa.select(Label.serial).where(Label.run_id == run.id)).one()
    url = contents.label_url(lot.product, lot.code, serial)
    png = client.get(f"/api/v1/labels/{serial}.png?ec=Q", headers=bearer(api_token))
    assert png.status_code == 200
    decoded = zxingcpp.read_barcode(Image.open(io.BytesIO(png.data)))
    assert decoded.text == url
    assert decoded.ec_level == "Q"
    svg = client.get(f"/api/v1/labels/{serial}.svg", headers=bearer(api_token))
    assert svg.status_code == 200
    assert svg.data.startswith(b"<svg")


def _decode_pdf(data: bytes, tmp_path) -> list[str]:
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-gray", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    found = []
    for page in sorted(tmp_path.glob("page*.png")):
        found += [b.text for b in zxingcpp.read_barcodes(Image.open(page))]
    return found


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_the_printed_pdf_decodes_label_by_label(farm, client, api_token, tmp_path):
    lot = _packed_lot(farm)
    r = client.post(
        f"/api/v1/batches/{lot.id}/label-runs",
        headers=bearer(api_token),
        json={"count": 30, "template": "a4-3x8"},
    )
    run_id = r.json["id"]
    client.post(
        f"/api/v1/label-runs/{run_id}/void",
        headers=bearer(api_token),
        json={"reason": "smudged", "first": 2, "last": 3},
    )
    labels = client.get(
        f"/api/v1/label-runs/{run_id}/labels?page_size=100", headers=bearer(api_token)
    ).json
    live = {x["url"] for x in labels if not x["voided_at"]}
    pdf = client.get(f"/api/v1/label-runs/{run_id}.pdf", headers=bearer(api_token))
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert sorted(_decode_pdf(pdf.data, tmp_path)) == sorted(live)
    assert len(live) == 28
    zpl = client.get(f"/api/v1/label-runs/{run_id}.zpl", headers=bearer(api_token))
    text = zpl.get_data(as_text=True)
    assert text.count("^XA") == 28
    assert all(url.split("://")[1] in text for url in live)
    runs = client.get(f"/api/v1/label-runs/{run_id}", headers=bearer(api_token)).json
    assert runs["prints"] == 2
    assert runs["live"] == 28 and runs["voided"] == 2


def test_large_runs_render_as_a_job_with_progress(app, farm, manager_client, tmp_path):
    lot = _packed_lot(farm)
    run = services.issue_run(farm.world.a.manager, lot, count=40)
    app.config["TRACEAPP_LABELS_SYNC_LIMIT"] = 10
    try:
        r = manager_client.form_post(
            f"/label-runs/{run.id}/print", {"fmt": "pdf", "layout": "a4-4x10"}
        )
    finally:
        app.config["TRACEAPP_LABELS_SYNC_LIMIT"] = 5000
    assert r.status_code == 302
    assert "/render-jobs/" in r.headers["Location"]
    page = manager_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Ready: 40 labels." in page
    job_id = r.headers["Location"].rstrip("/").split("/")[-1]
    download = manager_client.get(f"/render-jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        assert len(_decode_pdf(download.data, tmp_path)) == 40


def _print_records(run_id):
    return db.session.scalars(
        sa.select(AuditRecord.action).where(
            AuditRecord.action.in_(("labels.print", "labels.reprint")),
            AuditRecord.object_id == str(run_id),
        )
    ).all()


def test_a_print_that_fails_is_not_counted(
    app, farm, client, api_token, manager_client, monkeypatch, caplog
):
    from traceapp.labels import rendering

    lot = _packed_lot(farm)
    run = services.issue_run(farm.world.a.manager, lot, count=24)
    db.session.commit()

    def half_a_sheet(_contents, _layout, out, **_kw):
        out.write(b"%PDF-1.4 half")
        raise OSError("disk full")

    monkeypatch.setattr(rendering, "render_pdf", half_a_sheet)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    caplog.set_level("ERROR", logger="traceapp")
    r = client.get(f"/api/v1/label-runs/{run.id}.pdf", headers=bearer(api_token))
    assert r.status_code == 500
    assert r.json["code"] == 500
    r = manager_client.form_post(f"/label-runs/{run.id}/print", {"fmt": "pdf", "layout": "a4-3x8"})
    assert r.status_code == 500
    assert b"%PDF" not in r.data
    db.session.refresh(run)
    assert run.prints == 0
    assert _print_records(run.id) == []
    assert any("disk full" in str(rec.exc_info[1]) for rec in caplog.records if rec.exc_info)


def test_a_job_counts_its_print_when_its_file_is_complete(app, farm, manager_client, monkeypatch):
    from traceapp.labels import jobs
    from traceapp.labels.models import JobStatus, RenderJob

    lot = _packed_lot(farm)
    run = services.issue_run(farm.world.a.manager, lot, count=30)
    db.session.commit()
    monkeypatch.setitem(app.config, "TRACEAPP_LABELS_SYNC_LIMIT", 10)
    original = jobs.render_run

    def broken(*_a, **_k):
        raise OSError("printer spool gone")

    monkeypatch.setattr(jobs, "render_run", broken)
    r = manager_client.form_post(f"/label-runs/{run.id}/print", {"fmt": "zpl", "layout": "a4-3x8"})
    failed = db.session.get(RenderJob, int(r.headers["Location"].rsplit("/", 1)[1]))
    assert failed.status == JobStatus.FAILED
    db.session.refresh(run)
    assert run.prints == 0 and _print_records(run.id) == []
    assert manager_client.get(f"/render-jobs/{failed.id}/download").status_code == 404

    monkeypatch.setattr(jobs, "render_run", original)
    r = manager_client.form_post(f"/label-runs/{run.id}/print", {"fmt": "zpl", "layout": "a4-3x8"})
    job_id = int(r.headers["Location"].rsplit("/", 1)[1])
    download = manager_client.get(f"/render-jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.get_data(as_text=True).count("^XA") == 30
    assert download.headers["Content-Length"] == str(len(download.data))
    db.session.refresh(run)
    assert run.prints == 1 and _print_records(run.id) == ["labels.print"]


def test_the_api_renders_a_large_run_as_a_job(
    app, farm, client, api_token, other_token, monkeypatch
):
    lot = _packed_lot(farm)
    run = services.issue_run(farm.world.a.manager, lot, count=30)
    db.session.commit()
    monkeypatch.setitem(app.config, "TRACEAPP_LABELS_SYNC_LIMIT", 10)
    r = client.get(f"/api/v1/label-runs/{run.id}.zip", headers=bearer(api_token))
    assert r.status_code == 202
    job = client.get(r.headers["Location"], headers=bearer(api_token)).json
    assert job["status"] == "done" and job["done"] == 30 and job["format"] == "png-zip"
    assert client.get(r.headers["Location"], headers=bearer(other_token)).status_code == 404
    archive = client.get(job["file"], headers=bearer(api_token))
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert len(names) == 30 and all(n.endswith(".png") for n in names)
    assert client.get(job["file"], headers=bearer(other_token)).status_code == 404
    assert client.get(f"/api/v1/label-runs/{run.id}", headers=bearer(api_token)).json["prints"] == 1


def test_issue_page_shows_why_labels_are_refused(manager_client, farm):
    lot = _packed_lot(farm)
    farm.field.status = ZoneStatus.SUSPENDED
    db.session.flush()
    html = manager_client.get(f"/lots/{lot.id}/labels").get_data(as_text=True)
    assert "Labels cannot be printed for this lot now" in html
    assert "VN-TEST-0001" in html


def test_the_lot_page_lists_its_label_runs(farm, manager_client):
    lot = _packed_lot(farm)
    actor = farm.world.a.manager
    run = services.issue_run(actor, lot, count=20)
    services.void_labels(actor, run, reason="misprint", first=1, last=3)
    db.session.execute(
        sa.update(Label).where(Label.run_id == run.id, Label.seq == 10).values(scan_count=4)
    )
    copies = services.issue_run(actor, lot, count=12, kind="lot_copies")
    db.session.commit()
    page = manager_client.get(f"/lots/{lot.id}").get_data(as_text=True)
    section = page[page.index('<section id="labels">') : page.index('<section id="genealogy">')]
    rows = re.findall(r"<tr><td><a href=\"/label-runs/(\d+)\">#\d+</a></td>(.*?)</tr>", section)
    cells = {int(i): re.findall(r'<td class="num">([^<]*)</td>', rest) for i, rest in rows}
    assert cells[run.id] == ["20", "17", "4"]
    assert cells[copies.id][1:] == ["—", "0"]
    assert "12 copies" in section


def test_big_files_spool_in_the_job_folder(app, tmp_path, monkeypatch):
    # A file past the in-memory part goes to TRACEAPP_JOB_DIR, not the system's temp folder.
    from traceapp.labels import jobs

    folder = tmp_path / "job-spool"
    monkeypatch.setitem(app.config, "TRACEAPP_JOB_DIR", str(folder))
    with app.app_context():
        spool = jobs.new_spool()
        try:
            spool.write(b"x" * (9 * jobs.CHUNK))
            # An unnamed file on Linux: where it lives shows through its descriptor.
            assert os.readlink(f"/proc/self/fd/{spool.fileno()}").startswith(str(folder))
        finally:
            spool.close()
    assert list(folder.iterdir()) == []
