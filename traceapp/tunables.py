"""Domain settings that differ between places or are not settled in law: defaults here,
overrides in the TOML file named by TRACEAPP_SETTINGS_FILE (see README)."""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app, has_app_context

DEFAULTS: dict[str, Any] = {
    # Zone code schemes per kind. The exact national string format of growing-area codes is
    # not published in an authoritative source (DOMAIN.md), so every pattern is a setting.
    "zone_schemes": {
        "growing_area": {
            "pattern": r"^VN-[A-Z0-9]{2,10}-\d{3,6}$",
            "description": "VN, a dash, 2-10 capital letters or digits for the area, a dash and "
                           "a 3-6 digit sequence number from the plant-protection list",
            "example": "VN-PYDX-0128",
        },
        "packing_house": {
            "pattern": r"^VN-[A-Z0-9]{2,10}-\d{3,6}$",
            "description": "VN, a dash, 2-10 capital letters or digits, a dash and a 3-6 digit "
                           "sequence number",
            "example": "VN-PYPH-0007",
        },
        "aquaculture_facility": {
            "pattern": r"^[0-9A-Z]{2}-[0-9A-Z]{2}-\d{4}-\d{3}$",
            "description": "AA-BB-CCCC-DDD: province, species, farm and pond/cage (Decree "
                           "55/2017 style)",
            "example": "54-TH-0012-001",
        },
        "fishing_ground": {
            "pattern": r"^[A-Z]{2}-[A-Z0-9]{2,10}-\d{2,6}$",
            "description": "country, a dash, 2-10 capital letters or digits for the ground, a "
                           "dash and a 2-6 digit number",
            "example": "VN-PYOFF-01",
        },
    },
    # Vietnam's land and near-shore waters; fishing grounds may lie outside.
    "vietnam_bbox": [102.1, 8.3, 110.0, 23.4],
    # Declared vs computed zone area: flag beyond this fraction.
    "area_tolerance": 0.10,
    # Product categories and the zone kinds their lots may come from.
    "categories": {
        "peanuts": {"label": "Peanuts", "zone_kinds": ["growing_area", "packing_house"],
                    "production": "crop"},
        "rice": {"label": "Rice", "zone_kinds": ["growing_area", "packing_house"],
                 "production": "crop"},
        "fruit": {"label": "Fruit", "zone_kinds": ["growing_area", "packing_house"],
                  "production": "crop"},
        "lobster": {"label": "Lobster (farmed)", "zone_kinds": ["aquaculture_facility"],
                    "production": "aquaculture"},
        "shrimp": {"label": "Shrimp (farmed)", "zone_kinds": ["aquaculture_facility"],
                   "production": "aquaculture"},
        "tuna": {"label": "Tuna", "zone_kinds": ["fishing_ground"], "production": "capture"},
        "other_crop": {"label": "Other crop", "zone_kinds": ["growing_area", "packing_house"],
                       "production": "crop"},
        "other_seafood": {"label": "Other seafood",
                          "zone_kinds": ["aquaculture_facility", "fishing_ground"],
                          "production": "capture"},
    },
    # Typical maximum yield per hectare and season, by crop or species (lower-case names and
    # their usual spellings). Figures are deliberately generous planning values, not law:
    # a lot above them is flagged for a look, never refused.
    "yields": {
        "peanuts": {"names": ["peanut", "peanuts", "đậu phộng", "lạc", "dau phong"],
                    "max_kg_per_ha": 4500, "season_months": 4},
        "rice": {"names": ["rice", "lúa", "gạo"], "max_kg_per_ha": 9000, "season_months": 4},
        "lobster": {"names": ["lobster", "tôm hùm", "tôm hùm xanh", "tôm hùm bông",
                              "panulirus ornatus", "panulirus homarus"],
                    "max_kg_per_ha": 30000, "season_months": 12},
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
    # Label clone rules, evaluated on each scan.
    "clone_rules": {
        "max_scans_24h": 20,
        "max_distinct_clients": 8,
    },
    # What a product is sold in (the label "unit of trade").
    "units_of_trade": {"bag": "bag", "box": "box", "can": "can", "jar": "jar",
                       "bottle": "bottle", "tray": "tray", "pack": "pack", "carton": "carton",
                       "sack": "sack", "piece": "piece", "kg": "kg (sold by weight)"},
    # Units of measure (UN/ECE Recommendation 20 codes used in EPCIS quantities).
    "units": {"KGM": "kg", "GRM": "g", "TNE": "t", "H87": "pieces", "LTR": "l"},
}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


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
