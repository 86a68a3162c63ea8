"""The console reads the flags a refresh kept: the same flags as the rules compute, for every
reader and language, until the data changes; the pages say when they were computed."""

from __future__ import annotations

import re

from flask_babel import force_locale

from tests.authority.conftest import labels_for
from tests.farm import harvest_lot
from traceapp.authority import flags, region_figures, services, stats
from traceapp.batches.recall import recall_lot
from traceapp.extensions import db
from traceapp.reports.models import ProblemKind, ProblemReport


def _seen(found):
    return [(f.kind, f.message, f.zone_id, f.lot_id, f.since, f.details) for f in found]


def _recall(world, lot):
    recall_lot(world.a.manager, lot, reason="Aflatoxin", instructions="Trả lại.", decided_by="Ban")


def _situation(farm, world):
    lot = harvest_lot(farm, "9500", confirm="weighed twice at the station")
    labels_for(lot, count=3, flagged=2)
    other = harvest_lot(farm, "100", confirm="weighed twice at the station")
    _recall(world, other)
    db.session.add(
        ProblemReport(
            cooperative_id=world.a.coop.id,
            lot_id=lot.id,
            code="/01/08930000000001/21/X",
            label_state="live",
            kind=ProblemKind.FAKE,
            text="looks fake",
            lang="vi",
        )
    )
    db.session.flush()
    return lot


def test_kept_flags_match_the_rules_for_every_reader_and_language(farm, world):
    _situation(farm, world)
    assert flags.refresh_flags() >= 4
    for user in (world.auditor, world.other_auditor, world.admin):
        scope = services.scope_for(user)
        for locale in ("en", "vi", "km"):
            with force_locale(locale):
                kept = flags.compute_flags(scope)
                assert _seen(kept) == _seen(flags.compute_live(scope))
        zone_flags = flags.compute_flags(scope, zone=farm.field)
        assert _seen(zone_flags) == _seen(flags.compute_live(scope, zone=farm.field))
    kinds = {f.kind for f in flags.compute_flags(services.scope_for(world.auditor))}
    assert {"overclaimed", "cloned_labels", "recalled_lot", "shopper_reports"} <= kinds


def test_the_console_shows_kept_figures_and_their_time(farm, world, auditor_client):
    lot = _situation(farm, world)
    before = auditor_client.get("/authority").get_data(as_text=True)
    assert "Flags as of" not in before  # nothing kept yet: computed for the request
    flags.refresh_flags()
    page = auditor_client.get("/authority").get_data(as_text=True)
    assert "Flags as of" in page
    assert re.search(r"Recalled lot</a>: 1<", page)
    # A change shows once the figures are refreshed, as the time on the page says.
    _recall(world, lot)
    assert re.search(r"Recalled lot</a>: 1<", auditor_client.get("/authority").get_data(True))
    flags.refresh_flags()
    assert re.search(r"Recalled lot</a>: 2<", auditor_client.get("/authority").get_data(True))
    listed = auditor_client.get("/authority/flags?kind=recalled_lot").get_data(as_text=True)
    assert "Flags as of" in listed and f"Lot {lot.code} was recalled." in listed
    home = auditor_client.get("/").get_data(as_text=True)
    assert "Flags as of" in home and "Recalled lot: 2 to review." in home


def test_the_refresh_command_keeps_the_flags(app, farm, world):
    _situation(farm, world)
    scope = services.scope_for(world.auditor)
    live = stats.compute(scope)  # counted now: nothing is kept yet
    assert live.as_of is None
    result = app.test_cli_runner().invoke(args=["figures", "refresh"])
    assert result.exit_code == 0, result.output
    kept = int(result.output.split()[0])
    assert kept == len(flags.compute_live(services.scope_for(world.admin))) - len(
        flags.compute_live(services.scope_for(world.admin), kinds=["unknown_serials"])
    )
    # and the statistics' lots, labels and scans per region, as counted over the raw tables
    region = region_figures.kept_for(scope)
    assert region is not None and live.lots > 0
    assert (region.lots, region.labels, region.scans) == (live.lots, live.labels, live.scans)
