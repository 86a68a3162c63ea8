"""The console reads kept lot flags through the reader's region by walking up from the
flagged lots to the lots they were made from (not down through every lot of the region): a
lot made from a lot of the region is the region's, as the rules have it."""

from __future__ import annotations

from tests.authority.conftest import labels_for
from tests.farm import HARVEST, harvest_lot
from traceapp.authority import flags, services
from traceapp.batches.transformations import transform


def _seen(found):
    return [(f.kind, f.lot_id, f.details) for f in found]


def test_a_flag_on_a_lot_made_from_the_regions_lot_is_the_regions(farm, world):
    harvest = harvest_lot(farm, "100")
    [made] = transform(
        world.a.manager,
        inputs=[{"lot_id": harvest.id, "quantity": "60", "unit": "KGM"}],
        outputs=[
            {
                "product_id": farm.peanuts.id,
                "quantity": "60",
                "unit": "KGM",
                "production_date": HARVEST,
            }
        ],
    )
    labels_for(made, count=2, flagged=2)
    assert flags.refresh_flags() >= 1
    mine = flags.compute_flags(services.scope_for(world.auditor), kinds=["cloned_labels"])
    assert [f.lot_id for f in mine] == [made.id]
    for user in (world.auditor, world.other_auditor, world.admin):
        scope = services.scope_for(user)
        assert _seen(flags.compute_flags(scope)) == _seen(flags.compute_live(scope))
    theirs = flags.compute_flags(services.scope_for(world.other_auditor), kinds=["cloned_labels"])
    assert theirs == []
