"""Labels in the reader's language: caption patterns, background jobs, Chinese on PDF and ZPL."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from flask_babel import force_locale

from tests.labels.test_runs import _packed_lot
from traceapp.extensions import db
from traceapp.labels import jobs, services
from traceapp.labels.models import JOB_STATUS_LABELS, JobStatus, RenderJob
from traceapp.labels.render.content import (
    Captions,
    LabelContent,
    _usable_line,
    default_captions,
    field_lines,
)
from traceapp.labels.render.pdf import render_pdf
from traceapp.labels.render.zpl import render_zpl

CHINESE = Captions(
    lot="批次",
    serial="序列号",
    net="净含量",
    best_before="保质期至",
    date_format="%Y-%m-%d",
    line="%(caption)s：%(value)s",
)
FRENCH = Captions(
    lot="Lot",
    serial="N° de série",
    net="Poids net",
    best_before="À consommer de préférence avant",
    line="%(caption)s : %(value)s",
)


def _content(**changes) -> LabelContent:
    values = {
        "url": "https://trace.example.vn/l/ABCD1234EFGH5678",
        "product_name": "Đậu phộng",
        "lot_code": "XP-2026-0042",
        "serial": "ABCD1234EFGH5678",
        "net_quantity": "500 g",
        "best_before": dt.date(2027, 5, 1),
        "gtin_display": "8934567890120",
    }
    values.update(changes)
    return LabelContent(**values)


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "labels.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


needs_pdftotext = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler")


# --- caption lines ------------------------------------------------------------------------------


def test_each_language_joins_caption_and_value_its_own_way():
    lines = dict(field_lines(_content(), FRENCH))
    assert lines["lot"] == "Lot : XP-2026-0042"
    assert lines["serial"] == "N° de série : "  # the serial is drawn after the space
    assert lines["best_before"] == "À consommer de préférence avant : 01/05/2027"
    lines = dict(field_lines(_content(), CHINESE))
    assert lines["lot"] == "批次：XP-2026-0042"
    assert lines["serial"] == "序列号："
    assert lines["best_before"] == "保质期至：2027-05-01"
    assert dict(field_lines(_content(), Captions()))["lot"] == "Lot: XP-2026-0042"


def test_a_caption_pattern_must_format_and_end_with_the_value():
    assert _usable_line("%(caption)s：%(value)s")
    assert not _usable_line("%(value)s (%(caption)s)")  # the serial would lose its place
    assert not _usable_line("%(caption)s: %(valeur)s")
    assert not _usable_line("%(caption)s: 100% %(value)s")


def test_default_captions_follow_the_language_of_the_moment(app):
    with app.app_context():
        with force_locale("vi"):
            captions = default_captions()
        assert (captions.lot, captions.serial) == ("Lô", "Số sê-ri")
        with force_locale("en"):
            captions = default_captions()
        assert (captions.lot, captions.line) == ("Lot", "%(caption)s: %(value)s")


# --- Chinese ---------------------------------------------------------------------------------


@needs_pdftotext
def test_chinese_captions_print_on_pdf_with_the_reader_supplied_font(tmp_path):
    out = io.BytesIO()
    render_pdf([_content(), _content(serial="ZZZZ1234EFGH5678")], "a4-3x8", out, captions=CHINESE)
    data = out.getvalue()
    assert b"/BaseFont /STSong-Light-UniGB-UCS2-H" in data and b"/Encoding /UniGB-UCS2-H" in data
    text = _pdf_text(data, tmp_path)
    assert "批次：XP-2026-0042" in text
    assert "序列号：ABCD1234EFGH5678" in text and "序列号：ZZZZ1234EFGH5678" in text
    assert "保质期至：2027-05-01" in text and "?" not in text


@needs_pdftotext
def test_a_chinese_product_name_prints_too_and_latin_labels_need_no_chinese_font(tmp_path):
    out = io.BytesIO()
    render_pdf([_content(product_name="Đậu phộng 花生")], "roll-50x30", out)
    assert "Đậu phộng 花生" in _pdf_text(out.getvalue(), tmp_path)
    plain = io.BytesIO()
    render_pdf([_content()], "roll-50x30", plain, captions=FRENCH)
    assert b"STSong" not in plain.getvalue()


def test_zpl_prints_chinese_captions_in_english_rather_than_question_marks():
    [label] = render_zpl([_content()], captions=CHINESE)
    assert "^FDLot: XP-2026-0042^FS" in label
    assert "^FDSerial: ABCD1234EFGH5678^FS" in label
    assert "?" not in label and "批" not in label
    [label] = render_zpl([_content()], captions=FRENCH)
    assert "^FDLot : XP-2026-0042^FS" in label
    assert "^FDN° de série : ABCD1234EFGH5678^FS" in label


# --- background jobs ---------------------------------------------------------------------------


def _print_as_job(app, client, run, lang):
    app.config["TRACEAPP_LABELS_SYNC_LIMIT"] = 2
    try:
        r = client.form_post(
            f"/label-runs/{run.id}/print",
            {"fmt": "pdf", "layout": "a4-3x8"},
            headers={"Accept-Language": lang},
        )
    finally:
        app.config["TRACEAPP_LABELS_SYNC_LIMIT"] = 5000
    assert r.status_code == 302 and "/render-jobs/" in r.headers["Location"]
    job_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    return db.session.get(RenderJob, job_id)


@needs_pdftotext
@pytest.mark.parametrize(
    ("lang", "expected", "absent"),
    [
        ("en", "Serial: ", "Số sê-ri"),
        ("vi", "Số sê-ri: ", "Serial"),
    ],
)
def test_a_background_job_prints_in_its_requester_s_language(
    app, farm, manager_client, tmp_path, lang, expected, absent
):
    run = services.issue_run(farm.world.a.manager, _packed_lot(farm), count=5)
    db.session.commit()
    job = _print_as_job(app, manager_client, run, lang)
    assert job.locale == lang and job.status == JobStatus.DONE
    text = _pdf_text(manager_client.get(f"/render-jobs/{job.id}/download").data, tmp_path)
    assert expected in text and absent not in text


def test_a_job_without_a_language_prints_in_the_default_one(app, farm):
    run = services.issue_run(farm.world.a.manager, _packed_lot(farm), count=2)
    job = jobs.start_job(farm.world.a.manager, run, "zpl")
    assert job.locale is None  # no request here: nobody's language to keep
    db.session.commit()
    jobs.execute(app, job.id)
    db.session.expire_all()
    job = db.session.get(RenderJob, job.id)
    assert job.status == JobStatus.DONE
    zpl = b"".join(jobs.job_chunks(job.id)).decode()
    assert "^FDLô: " in zpl and "Số sê-ri" in zpl


def test_the_run_page_names_job_statuses_and_formats(app, farm, manager_client):
    run = services.issue_run(farm.world.a.manager, _packed_lot(farm), count=5)
    db.session.commit()
    _print_as_job(app, manager_client, run, "en")
    page = manager_client.get(f"/label-runs/{run.id}").get_data(as_text=True)
    assert f"· {JOB_STATUS_LABELS[JobStatus.DONE]} ·" in page
    assert "PDF for printing · A4 sheet, 24 labels" in page
    assert "5 of 5 labels" in page and "Printed</dt><dd>1 time<" in page


def test_the_runs_list_counts_copies_and_the_job_page_sizes_the_file(app, farm, manager_client):
    lot = _packed_lot(farm)
    services.issue_run(farm.world.a.manager, lot, count=1, kind="lot_copies")
    services.issue_run(farm.world.a.manager, lot, count=1200, kind="lot_copies")
    run = services.issue_run(farm.world.a.manager, lot, count=3)
    db.session.commit()
    page = manager_client.get("/label-runs").get_data(as_text=True)
    assert "1 copy<" in page and "1,200 copies<" in page
    job = _print_as_job(app, manager_client, run, "en")
    page = manager_client.get(f"/render-jobs/{job.id}").get_data(as_text=True)
    assert "Download (0.0 MB)" in page
