"""Domain settings that differ between places or are not settled in law: defaults here,
overrides in the TOML file named by TRACEAPP_SETTINGS_FILE (see README).

Words a reader sees (category names, units of trade, code scheme descriptions) are lazy
translatable strings in the defaults, so each reader gets them in their language; words from
the settings file are shown as written. Use :func:`plain` before serialising settings.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

DEFAULTS: dict[str, Any] = {
    # Zone code schemes per kind. The exact national string format of growing-area codes is
    # not published in an authoritative source (DOMAIN.md), so every pattern is a setting.
    "zone_schemes": {
        "growing_area": {
            "pattern": r"^VN-[A-Z0-9]{2,10}-\d{3,6}$",
            # TRANSLATORS: how a growing-area code is written; it ends a sentence that
            # quotes an example. Keep "VN" as it is.
            "description": _l(
                "VN, a dash, 2-10 capital letters or digits for the area, a dash "
                "and a 3-6 digit sequence number from the plant-protection list"
            ),
            "example": "VN-PYDX-0128",
        },
        "packing_house": {
            "pattern": r"^VN-[A-Z0-9]{2,10}-\d{3,6}$",
            "description": _l(
                "VN, a dash, 2-10 capital letters or digits, a dash and a 3-6 digit sequence number"
            ),
            "example": "VN-PYPH-0007",
        },
        "aquaculture_facility": {
            "pattern": r"^[0-9A-Z]{2}-[0-9A-Z]{2}-\d{4}-\d{3}$",
            "description": _l(
                "AA-BB-CCCC-DDD: province, species, farm and pond/cage (Decree 55/2017 style)"
            ),
            "example": "54-TH-0012-001",
        },
        "fishing_ground": {
            "pattern": r"^[A-Z]{2}-[A-Z0-9]{2,10}-\d{2,6}$",
            "description": _l(
                "country, a dash, 2-10 capital letters or digits for the ground, a "
                "dash and a 2-6 digit number"
            ),
            "example": "VN-PYOFF-01",
        },
    },
    # Vietnam's land and near-shore waters; fishing grounds may lie outside.
    "vietnam_bbox": [102.1, 8.3, 110.0, 23.4],
    # Declared vs computed zone area: flag beyond this fraction.
    "area_tolerance": 0.10,
    # Product categories and the zone kinds their lots may come from.
    "categories": {
        # TRANSLATORS: a product category, as offered when a product is registered.
        "peanuts": {
            "label": _l("Peanuts"),
            "zone_kinds": ["growing_area", "packing_house"],
            "production": "crop",
        },
        "rice": {
            "label": _l("Rice"),
            "zone_kinds": ["growing_area", "packing_house"],
            "production": "crop",
        },
        "fruit": {
            "label": _l("Fruit"),
            "zone_kinds": ["growing_area", "packing_house"],
            "production": "crop",
        },
        "lobster": {
            "label": _l("Lobster (farmed)"),
            "zone_kinds": ["aquaculture_facility"],
            "production": "aquaculture",
        },
        "shrimp": {
            "label": _l("Shrimp (farmed)"),
            "zone_kinds": ["aquaculture_facility"],
            "production": "aquaculture",
        },
        "tuna": {"label": _l("Tuna"), "zone_kinds": ["fishing_ground"], "production": "capture"},
        "other_crop": {
            "label": _l("Other crop"),
            "zone_kinds": ["growing_area", "packing_house"],
            "production": "crop",
        },
        "other_seafood": {
            "label": _l("Other seafood"),
            "zone_kinds": ["aquaculture_facility", "fishing_ground"],
            "production": "capture",
        },
    },
    # Typical maximum yield per hectare and season, by crop or species (lower-case names and
    # their usual spellings). Figures are deliberately generous planning values, not law:
    # a lot above them is flagged for a look, never refused. typical_kg_per_ha is a good
    # season's yield (Vietnam's peanut average is about 2.3 t/ha, rice about 6 t/ha): a
    # contribution that takes a zone's season beyond its area x typical yield is recorded only
    # once the person entering it confirms it with a reason, and the auditors see it among
    # their flags. Without typical_kg_per_ha, max_kg_per_ha is used.
    "yields": {
        "peanuts": {
            "names": ["peanut", "peanuts", "đậu phộng", "lạc", "dau phong"],
            "max_kg_per_ha": 4500,
            "typical_kg_per_ha": 3000,
            "season_months": 4,
        },
        "rice": {
            "names": ["rice", "lúa", "gạo"],
            "max_kg_per_ha": 9000,
            "typical_kg_per_ha": 7000,
            "season_months": 4,
        },
        "lobster": {
            "names": [
                "lobster",
                "tôm hùm",
                "tôm hùm xanh",
                "tôm hùm bông",
                "panulirus ornatus",
                "panulirus homarus",
            ],
            "max_kg_per_ha": 30000,
            "season_months": 12,
        },
    },
    # OCOP: part weights by decision, and the star cut-offs on the 100-point total
    # (the cut-offs under 148/2023 are not confirmed, hence configurable).
    "ocop": {
        "decisions": {
            "1048/2019": {"A": 35, "B": 25, "C": 40},
            "148/2023": {"A": 40, "B": 25, "C": 35},
        },
        "stars": [[90, 5], [70, 4], [50, 3], [30, 2], [0, 1]],
        "valid_months": 36,
        "certified_min_stars": 3,
    },
    # Label clone rules, evaluated on each scan. A shopper is warned that a label may have
    # been copied only while more than max_distinct_clients different clients (keyed hashes
    # of their addresses; an IPv6 client by its /64 network) scanned it within the last
    # window_hours: reloads from one client never warn, and the warning lapses when the scans
    # stop. More than max_scans_24h scans in 24 hours is recorded on the label for the
    # cooperative and the auditors only. Scans before the cooperative cleared a flag count
    # for neither rule.
    "clone_rules": {
        "max_scans_24h": 20,
        "max_distinct_clients": 8,
        "window_hours": 168,
    },
    # What a product is sold in (the label "unit of trade").
    "units_of_trade": {
        # TRANSLATORS: a unit of trade: what one item of a product is sold as (a bag of
        # peanuts), shown in product forms and lists. The words that follow are units too.
        "bag": _l("bag"),
        "box": _l("box"),
        # TRANSLATORS: a unit of trade: a tin can (a can of tuna).
        "can": _l("can"),
        "jar": _l("jar"),
        "bottle": _l("bottle"),
        "tray": _l("tray"),
        "pack": _l("pack"),
        "carton": _l("carton"),
        "sack": _l("sack"),
        "piece": _l("piece"),
        "kg": _l("kg (sold by weight)"),
    },
    # Units of measure (UN/ECE Recommendation 20 codes used in EPCIS quantities); the
    # symbols read the same in every language.
    "units": {"KGM": "kg", "GRM": "g", "TNE": "t", "H87": _l("pieces"), "LTR": "l"},
    # Support programmes (traceapp.programmes): the topics an activity may cover, the standard
    # training modules (hours where published: Think.Coop is a 6-hour orientation; the others
    # vary by delivery, so their hours are left to the settings), and the share of women
    # members above which a cooperative counts as a women's cooperative.
    "programmes": {
        "topics": {
            "cooperative_basics": _l("Cooperative basics"),
            "launching": _l("Launching a cooperative"),
            "management": _l("Management"),
            "project_development": _l("Project development"),
            "product_development": _l("Product development"),
            "sales_marketing": _l("Sales and marketing"),
            "technology": _l("Technology use"),
            "branding": _l("Branding"),
            "accounting": _l("Accounting"),
            "quality": _l("Quality and certification"),
            "traceability": _l("Traceability"),
        },
        "modules": {
            "think_coop": {"name": "Think.Coop", "hours": 6},
            "start_coop": {"name": "Start.Coop", "hours": None},
            "manage_coop": {"name": "Manage.Coop", "hours": None},
            "my_coop": {"name": "My.Coop", "hours": None},
        },
        "womens_share": 0.5,
    },
}


def _copy(value: Any) -> Any:
    """A copy of the containers; strings, numbers and lazy strings are shared as they are."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = _copy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = _copy(value)
    return out


def plain(value: Any) -> Any:
    """Settings with every lazy string turned into text in the current language (for JSON)."""
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def tunables() -> dict[str, Any]:
    """The effective domain settings: defaults overlaid with the settings file."""
    if not has_app_context():
        return DEFAULTS
    cached = current_app.extensions.get("traceapp_tunables")
    if cached is None:
        cached = _merge(DEFAULTS, current_app.config.get("TRACEAPP_DOMAIN") or {})
        current_app.extensions["traceapp_tunables"] = cached
    return cached


def get(section: str) -> Any:
    """One section of the domain settings."""
    return tunables()[section]
