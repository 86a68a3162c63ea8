"""CBV 2.0 words: the business steps and dispositions events use, and the steps staff
record by hand with what each needs."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

#: CBV 2.0 business steps and dispositions accepted in events (a URI is accepted too).
BIZ_STEPS = {
    "accepting",
    "arriving",
    "assembling",
    "collecting",
    "commissioning",
    "consigning",
    "creating_class_instance",
    "cycle_counting",
    "decommissioning",
    "departing",
    "destroying",
    "disassembling",
    "dispensing",
    "encoding",
    "entering_exiting",
    "holding",
    "inspecting",
    "installing",
    "killing",
    "loading",
    "other",
    "packing",
    "picking",
    "receiving",
    "removing",
    "repackaging",
    "repairing",
    "replacing",
    "reserving",
    "retail_selling",
    "shipping",
    "staging_outbound",
    "stock_taking",
    "stocking",
    "storing",
    "transporting",
    "unloading",
    "unpacking",
    "void_shipping",
    "sensor_reporting",
    "sampling",
    # GDST 1.2: a catch moved from the fishing vessel to a carrier at sea (or in port).
    "urn:gdst:bizStep:transshipment",
}
DISPOSITIONS = {
    "active",
    "container_closed",
    "damaged",
    "destroyed",
    "dispensed",
    "disposed",
    "encoded",
    "expired",
    "in_progress",
    "in_transit",
    "inactive",
    "no_pedigree_match",
    "non_sellable_other",
    "partially_dispensed",
    "recalled",
    "reserved",
    "retail_sold",
    "returned",
    "sellable_accessible",
    "sellable_not_accessible",
    "stolen",
    "unknown",
    "available",
    "completeness_verified",
    "completeness_inferred",
    "conformant",
    "container_open",
    "mismatch_instance",
    "mismatch_class",
    "mismatch_quantity",
    "needs_replacement",
    "non_conformant",
    "unavailable",
}
#: Words for the dispositions a person picks (an inspection's result), as the form shows them.
DISPOSITION_WORDS = {
    "conformant": _l("conformant"),
    "non_conformant": _l("not conformant"),
}
PARTY_TYPES = {"owning_party", "possessing_party", "location"}
#: Plain words for the party types (sources and destinations).
PARTY_LABELS = {
    "owning_party": _l("buyer / owner"),
    "possessing_party": _l("carrier / holder"),
    "location": _l("place"),
}

#: The steps staff record by hand: EPCIS mapping, what they must give, and plain words.
STEPS: dict[str, dict[str, Any]] = {
    "inspecting": {
        "disposition": None,
        "dispositions": ("conformant", "non_conformant"),
        "label": _l("Inspection"),
        "needs": ("disposition",),
    },
    "packing": {"disposition": "in_progress", "label": _l("Packing")},
    "storing": {"disposition": "sellable_not_accessible", "label": _l("Storage")},
    "shipping": {"disposition": "in_transit", "label": _l("Shipping"), "needs": ("destinations",)},
    "receiving": {"disposition": "in_progress", "label": _l("Receiving"), "needs": ("sources",)},
    "transporting": {"disposition": "in_transit", "label": _l("Transport")},
    "holding": {"disposition": "sellable_not_accessible", "label": _l("Held")},
    "sampling": {"disposition": None, "label": _l("Sampling")},
    "destroying": {"disposition": "destroyed", "label": _l("Destroyed")},
    "retail_selling": {"disposition": "retail_sold", "label": _l("Sold at retail")},
    "urn:gdst:bizStep:transshipment": {
        "disposition": "in_transit",
        "label": _l("Transshipment (to a carrier vessel)"),
    },
}
#: Plain words for steps that are recorded automatically.
STEP_LABELS = {
    "commissioning": _l("Harvest / catch recorded"),
    "transformation": _l("Made into other lots"),
    **{k: v["label"] for k, v in STEPS.items()},
}
#: Steps still allowed on a recalled lot.
RECALLED_STEPS = {"holding", "destroying", "inspecting", "receiving", "storing", "transporting"}
