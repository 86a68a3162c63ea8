"""GDST 1.2 code lists: FAO fishing areas, exclusive economic zones, ISSCFG gear types and
RFMOs (GDST's own lists, kept in ``traceapp/data/gdst/``), with the aquaculture methods,
human welfare policies, certificate types and FAO 3-alpha species our seafood lots use.

Values are stored as GDST writes them (``urn:gdst:fao:71``); readers see names in their
language: the list's English name, or a Vietnamese one for the codes our users meet most.
Older records hold short forms ("71", "VNM EEZ", "LHP", "WCPFC"); :func:`to_urn` reads them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "gdst"

#: The lists GDST publishes, by the catch data field that takes them.
LIST_FILES = {
    "catch_area": "fao.json",
    "economic_zone": "eez.json",
    "gear_type": "geartypes.json",
    "rfmo_area": "rfmo.json",
}
URN_PREFIX = {
    "catch_area": "urn:gdst:fao:",
    "economic_zone": "urn:gdst:eez:",
    "gear_type": "urn:gdst:gear:",
    "rfmo_area": "urn:gdst:rfmo:",
}

#: ISSCFG abbreviations (as fishers write them) of the gear codes in GDST's list.
GEAR_ABBREVIATIONS = {
    "PS": "1.1",
    "SB": "2.1",
    "SV": "2.2",
    "TBB": "3.11",
    "OTB": "3.12",
    "PTB": "3.14",
    "OTM": "3.21",
    "PTM": "3.22",
    "DRB": "4.1",
    "LNB": "5.1",
    "LNS": "5.2",
    "GNS": "7.1",
    "GND": "7.2",
    "GNC": "7.3",
    "GTR": "7.4",
    "FPN": "8.1",
    "FPO": "8.2",
    "LHP": "9.1",
    "LHM": "9.2",
    "LLS": "9.31",
    "LLD": "9.32",
    "LTL": "9.4",
}

#: Vietnamese names of the codes Vietnamese fishers and farmers use most.
VI_NAMES = {
    "urn:gdst:fao:71": "Thái Bình Dương, Trung Tây (vùng 71, Biển Đông)",
    "urn:gdst:fao:61": "Thái Bình Dương, Tây Bắc (vùng 61)",
    "urn:gdst:fao:57": "Ấn Độ Dương, phía Đông (vùng 57)",
    "urn:gdst:fao:77": "Thái Bình Dương, Trung Đông (vùng 77)",
    "urn:gdst:fao:81": "Thái Bình Dương, Tây Nam (vùng 81)",
    "urn:gdst:eez:VNM": "Việt Nam",
    "urn:gdst:eez:PHL": "Phi-líp-pin",
    "urn:gdst:eez:IDN": "In-đô-nê-xi-a",
    "urn:gdst:eez:MYS": "Ma-lai-xi-a",
    "urn:gdst:eez:THA": "Thái Lan",
    "urn:gdst:eez:KHM": "Cam-pu-chia",
    "urn:gdst:eez:CHN": "Trung Quốc",
    "urn:gdst:eez:JPN": "Nhật Bản",
    "urn:gdst:eez:PNG": "Pa-pua Niu Ghi-nê",
    "urn:gdst:gear:1.1": "Lưới vây có dây rút",
    "urn:gdst:gear:3.12": "Lưới kéo đáy đơn",
    "urn:gdst:gear:7.1": "Lưới rê cố định",
    "urn:gdst:gear:7.2": "Lưới rê trôi",
    "urn:gdst:gear:8.2": "Lồng, bẫy",
    "urn:gdst:gear:9.1": "Câu tay và câu cần thủ công",
    "urn:gdst:gear:9.2": "Câu tay và câu cần cơ giới",
    "urn:gdst:gear:9.31": "Câu vàng cố định",
    "urn:gdst:gear:9.32": "Câu vàng trôi (câu giàn)",
    "urn:gdst:gear:9.4": "Câu kéo",
    "urn:gdst:rfmo:wcpfc": "WCPFC (Ủy ban Nghề cá Trung và Tây Thái Bình Dương)",
    "urn:gdst:rfmo:apfic": "APFIC (Ủy ban Nghề cá châu Á – Thái Bình Dương)",
    "urn:gdst:rfmo:iotc": "IOTC (Ủy ban Cá ngừ Ấn Độ Dương)",
    "urn:gdst:rfmo:seafdec": "SEAFDEC (Trung tâm Phát triển Nghề cá Đông Nam Á)",
}

#: The gear list names 9.2 as it names 9.1; ISSCFG's own wording sets them apart.
EN_OVERRIDES = {"urn:gdst:gear:9.2": "Mechanized lines and pole-and-lines"}

#: Aquaculture methods (GDST's "farming method" KDE takes free text; these are FAO's
#: culture systems, so that partners can compare lots). Value -> name.
AQUACULTURE_METHODS: dict[str, Any] = {
    "Sea cages": _l("Sea cages"),
    "Pens": _l("Pens and enclosures"),
    "Ponds": _l("Earthen ponds"),
    "Lined ponds": _l("Lined ponds"),
    "Raceways": _l("Raceways"),
    "Tanks": _l("Tanks"),
    "Recirculating aquaculture system": _l("Recirculating aquaculture system (RAS)"),
    "Rafts": _l("Rafts"),
    "Longlines": _l("Suspended longlines"),
    "Bottom culture": _l("Bottom culture"),
    "Rice-fish": _l("Rice-fish farming"),
}
#: How older lots wrote the method (free text) -> the method.
AQUACULTURE_ALIASES = {
    "sea cages": "Sea cages",
    "nuôi lồng bè trên biển (sea cages)": "Sea cages",
    "lồng bè": "Sea cages",
    "ao đất": "Ponds",
}

#: GDST's human welfare policy values.
HUMAN_WELFARE_POLICIES: dict[str, Any] = {
    "None": _l("No policy"),
    "Internal": _l("Internal policy"),
    "3P Audit": _l("Third-party audit"),
}

#: GDST certificate types (urn:gdst:certType:...).
CERTIFICATE_TYPES: dict[str, Any] = {
    "urn:gdst:certType:harvestCert": _l("Harvest certificate"),
    "urn:gdst:certType:harvestCoC": _l("Harvest chain of custody certificate"),
    "urn:gdst:certType:humanPolicy": _l("Human welfare policy certificate"),
    "urn:gdst:certType:fishingAuth": _l("Fishing authorisation"),
    "urn:gdst:certType:harvestAuth": _l("Harvest authorisation"),
    "urn:gdst:certType:transshipmentAuth": _l("Transshipment authorisation"),
    "urn:gdst:certType:landingAuth": _l("Landing authorisation"),
    "urn:gdst:certType:processingCert": _l("Processing certificate"),
}

#: FAO ASFIS 3-alpha codes of the species our cooperatives trade: code -> (scientific, en, vi).
SPECIES: dict[str, tuple[str, str, str]] = {
    "YFT": ("Thunnus albacares", "Yellowfin tuna", "Cá ngừ vây vàng"),
    "BET": ("Thunnus obesus", "Bigeye tuna", "Cá ngừ mắt to"),
    "SKJ": ("Katsuwonus pelamis", "Skipjack tuna", "Cá ngừ vằn"),
    "ALB": ("Thunnus alalunga", "Albacore", "Cá ngừ vây dài"),
    "SWO": ("Xiphias gladius", "Swordfish", "Cá kiếm"),
    "LOY": ("Panulirus ornatus", "Ornate spiny lobster", "Tôm hùm bông (tôm hùm xanh)"),
}


def _vi() -> bool:
    locale = get_locale()
    return bool(locale) and str(locale).split("_")[0] == "vi"


@cache
def entries(kind: str) -> tuple[tuple[str, str], ...]:
    """(urn, English name) of one GDST list, in the list's order."""
    text = (DATA_DIR / LIST_FILES[kind]).read_text("utf-8")
    out = []
    for item in json.loads(text):
        urn = str(item["urn"])
        out.append((urn, EN_OVERRIDES.get(urn, str(item["name"]))))
    return tuple(out)


@cache
def _by_urn(kind: str) -> dict[str, str]:
    return dict(entries(kind))


def label(kind: str, urn: str) -> str:
    """A code's name for the reader (Vietnamese when we have one), with its short code."""
    name = VI_NAMES.get(urn) if _vi() else None
    name = name or _by_urn(kind).get(urn) or urn
    return f"{urn.removeprefix(URN_PREFIX[kind])} · {name}"


def choices(kind: str) -> list[tuple[str, str]]:
    """Form choices of one list: the codes our users meet most first, then the rest."""
    common = [u for u in VI_NAMES if u.startswith(URN_PREFIX[kind])]
    rest = [u for u, _ in entries(kind) if u not in common]
    return [(u, label(kind, u)) for u in common + rest]


def to_urn(kind: str, value: Any) -> str | None:
    """The GDST URN of a stored or typed value, or None when it is not in GDST's list."""
    if value is None:
        return None
    text = str(value).strip()
    known = _by_urn(kind)
    if text in known:
        return text
    lower = text.lower()
    for urn in known:
        if urn.lower() == lower:
            return urn
    short = text
    if kind == "economic_zone":
        short = text.upper().removesuffix(" EEZ").strip()
    elif kind == "gear_type":
        short = GEAR_ABBREVIATIONS.get(text.upper(), text.lstrip("0"))
    elif kind == "rfmo_area":
        short = text.lower()
    candidate = URN_PREFIX[kind] + short
    return candidate if candidate in known else None


def aquaculture_method(value: Any) -> str | None:
    """GDST's value for a recorded aquaculture method, or None when it is not one of ours."""
    if value is None:
        return None
    text = str(value).strip()
    if text in AQUACULTURE_METHODS:
        return text
    return AQUACULTURE_ALIASES.get(text.lower())


def aquaculture_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in AQUACULTURE_METHODS.items()]


def welfare_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in HUMAN_WELFARE_POLICIES.items()]


def species_label(code: str) -> str:
    """A species' name for the reader, with its scientific name and FAO code."""
    scientific, en, vi = SPECIES.get(code, ("", code, code))
    name = vi if _vi() else en
    return f"{name} ({scientific}, {code})" if scientific else code


def species_choices() -> list[tuple[str, str]]:
    return [(code, species_label(code)) for code in SPECIES]
