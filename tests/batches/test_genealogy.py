"""Transformations, genealogy both ways, and recalls through generations."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from tests.conftest import bearer
from tests.farm import HARVEST, harvest_lot
from traceapp.batches import events as ev
from traceapp.batches import genealogy, transformations
from traceapp.batches.models import LotStatus, Recall, TraceEvent
from traceapp.batches.recall import report as recall_report
from traceapp.batches.recall import report_csv
from traceapp.errors import ValidationFailed
from traceapp.extensions import db


def _pack(farm, inputs, quantity="500", **kw):
    return transformations.transform(
        farm.world.a.manager,
        kind=kw.pop("kind", "commingling"),
        inputs=inputs,
        outputs=[
            {
                "product_id": kw.pop("product", farm.peanuts_packed).id,
                "quantity": quantity,
                "unit": "KGM",
                "production_date": HARVEST,
                **kw,
            }
        ],
    )


def test_commingling_links_both_ways_and_cannot_overdraw(farm):
    a = harvest_lot(farm, "400", [(farm.growers[0], farm.field, "400")])
    b = harvest_lot(farm, "300", [(farm.growers[1], farm.field2, "300")])
    [packed] = _pack(
        farm,
        [{"lot_id": a.id, "quantity": "400"}, {"lot_id": b.id, "quantity": "200"}],
        quantity="590",
    )
    trace = genealogy.trace(packed)
    assert {lot.code for lot, _ in trace.ancestors} == {a.code, b.code}
    assert {m.id for m in trace.households()} == {farm.growers[0].id, farm.growers[1].id}
    assert {z.code for z in trace.zones()} == {"VN-TEST-0001", "VN-TEST-0002"}
    assert [lot.code for lot, _ in genealogy.descendants(a)] == [packed.code]
    with pytest.raises(ValidationFailed) as exc:
        _pack(farm, [{"lot_id": b.id, "quantity": "150"}], quantity="150")
    assert "has only 100" in exc.value.errors["inputs.0.quantity"][0]
    [rest] = _pack(farm, [{"lot_id": b.id, "quantity": "100"}], quantity="100")
    assert rest.status == LotStatus.OPEN


def test_inputs_must_be_closed_lots(farm):
    open_lot = harvest_lot(farm, close=False)
    with pytest.raises(ValidationFailed) as exc:
        _pack(farm, [{"lot_id": open_lot.id, "quantity": "10"}], quantity="10")
    assert "Close lot" in exc.value.errors["inputs.0.lot_id"][0]


def test_grading_one_lot_into_size_lots_splits_the_input_exactly(farm):
    actor = farm.world.a.manager
    from traceapp.batches import services

    harvest = services.create_lot(
        actor,
        product_id=farm.lobster.id,
        production_date=HARVEST,
        quantity="100",
        unit="KGM",
        aquaculture_method="sea cages",
    )
    services.add_contribution(
        actor, harvest, member_id=farm.growers[0].id, zone_id=farm.cages.id, quantity="100"
    )
    services.close_lot(actor, harvest)
    sizes = transformations.transform(
        actor,
        kind="grading",
        inputs=[{"lot_id": harvest.id, "quantity": "100"}],
        outputs=[
            {
                "product_id": farm.lobster.id,
                "quantity": q,
                "unit": "KGM",
                "production_date": HARVEST,
            }
            for q in ("33", "33", "34")
        ],
    )
    assert len(sizes) == 3
    assert services.available(harvest) == Decimal(0)
    events = db.session.query(TraceEvent).filter_by(event_type="TransformationEvent").all()
    assert len(events) == 1


def test_recall_propagates_through_three_generations_and_is_reported(farm, client, api_token):
    harvest = harvest_lot(
        farm, "400", [(farm.growers[0], farm.field, "250"), (farm.growers[1], farm.field2, "150")]
    )
    [packed] = _pack(farm, [{"lot_id": harvest.id, "quantity": "400"}], quantity="400")
    from traceapp.batches import services

    services.close_lot(farm.world.a.manager, packed)
    [boxed] = _pack(
        farm, [{"lot_id": packed.id, "quantity": "100"}], quantity="100", kind="packing"
    )
    ev.record_event(
        farm.world.a.manager,
        packed,
        biz_step="shipping",
        destinations=[
            {"type": "owning_party", "name": '=HYPERLINK("http://evil")'},
        ],
    )
    r = client.post(
        f"/api/v1/batches/{harvest.id}/recall",
        headers=bearer(api_token),
        json={
            "reason": "Aflatoxin above limit in lab test 17/2026",
            "instructions": "Do not eat. Return the bag to the shop for a refund.",
            "decided_by": "Chi cục QLCL Phú Yên",
        },
    )
    assert r.status_code == 201, r.json
    report = r.json
    assert {x["code"] for x in report["lots"]} == {harvest.code, packed.code, boxed.code}
    for lot in (harvest, packed, boxed):
        db.session.refresh(lot)
        assert lot.status == LotStatus.RECALLED
        assert (
            db.session.query(TraceEvent).filter_by(lot_id=lot.id, disposition="recalled").count()
            == 1
        )
    assert {h["member_number"] for h in report["households"]} == {
        farm.growers[0].member_number,
        farm.growers[1].member_number,
    }
    assert {z["code"] for z in report["zones"]} == {"VN-TEST-0001", "VN-TEST-0002"}
    assert report["destinations"][0]["name"].startswith("=HYPERLINK")
    got = client.get(
        f"/api/v1/recalls/{report['id']}/report.csv", headers=bearer(api_token), buffered=False
    )
    assert got.is_streamed and "Content-Length" not in got.headers
    csv_text = got.get_data(as_text=True)
    # Written line by line as read: the same text as the report built whole.
    assert csv_text == report_csv(recall_report(db.session.get_one(Recall, report["id"])))
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    numbers = [r[1] for r in rows if r[0] == "household"]
    assert len(numbers) == 2 and numbers == sorted(numbers)
    cells = [c for row in csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))) for c in row]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    # Quantities as people write them (100 kg, never 1E+2 KGM).
    assert {"400 kg", "100 kg"} <= set(cells)
    assert not any("E+" in c for c in cells)
    again = client.post(
        f"/api/v1/batches/{boxed.id}/recall",
        headers=bearer(api_token),
        json={"reason": "again please", "instructions": "again please", "decided_by": "me"},
    )
    assert again.status_code == 409


def test_trace_api_answers_both_ways(farm, client, api_token):
    harvest = harvest_lot(farm, "400")
    [packed] = _pack(farm, [{"lot_id": harvest.id, "quantity": "400"}], quantity="400")
    down = client.get(f"/api/v1/batches/{harvest.id}/trace", headers=bearer(api_token)).json
    assert [x["code"] for x in down["forward"]] == [packed.code]
    up = client.get(f"/api/v1/batches/{packed.id}/trace", headers=bearer(api_token)).json
    assert [x["code"] for x in up["backward"]] == [harvest.code]
    assert up["contributions"][0]["zone_code"] == "VN-TEST-0001"


def test_csv_cells_cannot_become_formulas():
    from traceapp.csvsafe import cell

    assert cell("=1+1") == "'=1+1"
    assert cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell("-12.5") == "-12.5"
    assert cell("+84 905") == "'+84 905"
    assert cell("Đậu phộng") == "Đậu phộng"


def test_the_lot_page_shows_the_whole_tree_both_ways(farm, manager_client):
    a = harvest_lot(farm, "400", [(farm.growers[0], farm.field, "400")])
    b = harvest_lot(farm, "300", [(farm.growers[1], farm.field2, "300")])
    [mixed] = _pack(
        farm,
        [{"lot_id": a.id, "quantity": "400"}, {"lot_id": b.id, "quantity": "300"}],
        quantity="700",
        product=farm.peanuts,
    )
    from traceapp.batches import services

    services.close_lot(farm.world.a.manager, mixed)
    [bags] = _pack(farm, [{"lot_id": mixed.id, "quantity": "700"}], quantity="700")

    # from the bags: two generations back, down to who delivered each harvest
    page = manager_client.get(f"/lots/{bags.id}").get_data(as_text=True)
    section = page[page.index('<section id="genealogy">') :]
    came_from = section[: section.index("Went into")]
    assert came_from.count("<details open>") == 3  # the mixed lot and both harvests
    assert came_from.index(mixed.code) < came_from.index(a.code) < came_from.index(b.code)
    assert f"{farm.growers[1].full_name} · VN-TEST-0002 · 300 kg" in came_from

    # from a harvest: two generations forward
    page = manager_client.get(f"/lots/{a.id}").get_data(as_text=True)
    section = page[page.index('<section id="genealogy">') :]
    went_into = section[section.index("Went into") :]
    assert went_into.index(mixed.code) < went_into.index(bags.code)
    assert "<details open><summary>" in went_into  # the mixed lot opens onto the bags
