"""The copy warning: only many different clients raise it, it lapses with its evidence, and
the cooperative can clear a label's flag with a reason (audited)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.conftest import bearer
from traceapp import tunables
from traceapp.audit.models import AuditRecord
from traceapp.extensions import db
from traceapp.labels.models import Label
from traceapp.public.models import LabelScan

WARNING = "Caution: this label may have been copied"


def _label(serial: str) -> Label:
    return db.session.execute(sa.select(Label).where(Label.serial == serial)).scalar_one()


def _spread(client, url: str, clients: int, net: str = "10.3.0") -> str:
    """Scans from that many different addresses; the last page's HTML."""
    html = ""
    for i in range(clients):
        html = client.get(url, environ_base={"REMOTE_ADDR": f"{net}.{i}"}).get_data(as_text=True)
    return html


def _age(serial: str, delta: dt.timedelta) -> None:
    """Move the label's logged scans back in time."""
    label = _label(serial)
    for scan in db.session.scalars(sa.select(LabelScan).where(LabelScan.label_id == label.id)):
        scan.scanned_at = scan.scanned_at - delta
    db.session.flush()


def test_the_warning_lapses_when_its_evidence_is_older_than_the_window(client, labelled):
    rules = tunables.get("clone_rules")
    serial = labelled.serials[1]
    url = labelled.url(serial)
    assert WARNING in _spread(client, url, rules["max_distinct_clients"] + 1)
    _age(serial, dt.timedelta(hours=rules["window_hours"], minutes=5))
    html = client.get(url, environ_base={"REMOTE_ADDR": "10.3.0.0"}).get_data(as_text=True)
    assert WARNING not in html and "Genuine label" in html
    # The label keeps its flag as evidence for staff and auditors.
    assert _label(serial).flag_reason.startswith("scanned by more than")


def test_a_manager_clears_a_flag_with_a_reason_from_the_run_page(client, manager_client, labelled):
    limit = tunables.get("clone_rules")["max_distinct_clients"]
    serial = labelled.serials[1]
    url = labelled.url(serial)
    assert WARNING in _spread(client, url, limit + 1)
    run_page = f"/label-runs/{labelled.run.id}"
    assert "Clear the flag" in manager_client.get(run_page).get_data(as_text=True)
    target = f"{run_page}/clear-flag"
    # A reason is required.
    manager_client.form_post(target, {"serial": serial, "reason": ""})
    assert _label(serial).flag_open
    r = manager_client.form_post(
        target, {"serial": serial.lower(), "reason": "Our own staff scanned it at the fair"}
    )
    assert r.status_code == 302
    label = _label(serial)
    assert not label.flag_open and label.flag_cleared_at is not None
    assert label.flag_reason.startswith("scanned by more than")  # kept as evidence
    record = db.session.execute(
        sa.select(AuditRecord).where(AuditRecord.action == "labels.clear_flag")
    ).scalar_one()
    assert "Our own staff scanned it at the fair" in record.summary
    assert record.cooperative_id == labelled.run.cooperative_id
    page = manager_client.get(run_page).get_data(as_text=True)
    assert "Our own staff scanned it at the fair" in page
    # The old scans no longer count: a new client sees a genuine label...
    html = client.get(url, environ_base={"REMOTE_ADDR": "10.9.9.9"}).get_data(as_text=True)
    assert WARNING not in html and "Genuine label" in html
    # ...until new evidence comes: as many different clients again after the clearing.
    assert WARNING in _spread(client, url, limit + 1, net="10.4.0")
    assert _label(serial).flag_open


def test_staff_cannot_clear_a_flag(client, staff_client, labelled):
    limit = tunables.get("clone_rules")["max_distinct_clients"]
    serial = labelled.serials[1]
    _spread(client, labelled.url(serial), limit + 1)
    page = staff_client.get(f"/label-runs/{labelled.run.id}").get_data(as_text=True)
    assert "Clear the flag" not in page
    staff_client.form_post(
        f"/label-runs/{labelled.run.id}/clear-flag", {"serial": serial, "reason": "mine"}
    )
    assert _label(serial).flag_open


def test_the_api_clears_a_flag_and_refuses_a_label_without_one(
    client, labelled, api_token, other_token
):
    limit = tunables.get("clone_rules")["max_distinct_clients"]
    serial = labelled.serials[1]
    _spread(client, labelled.url(serial), limit + 1)
    url = f"/api/v1/labels/{serial}/clear-flag"
    assert client.post(url, json={"reason": "x"}, headers=bearer(api_token)).status_code == 422
    assert (
        client.post(url, json={"reason": "checked"}, headers=bearer(other_token)).status_code == 404
    )
    r = client.post(url, json={"reason": "checked: a tasting"}, headers=bearer(api_token))
    assert r.status_code == 200
    assert r.json["flag_clear_reason"] == "checked: a tasting"
    assert r.json["flag_reason"].startswith("scanned by more than")
    again = client.post(url, json={"reason": "checked twice"}, headers=bearer(api_token))
    assert again.status_code == 409
    fresh = f"/api/v1/labels/{labelled.serials[0]}/clear-flag"
    assert (
        client.post(fresh, json={"reason": "nothing"}, headers=bearer(api_token)).status_code == 409
    )
