"""Comparing administrative units by name, across spellings and the 2025 province merges."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from flask import current_app, has_app_context

_PREFIXES = (
    "tỉnh ",
    "thành phố ",
    "tp. ",
    "tp ",
    "huyện ",
    "thị xã ",
    "quận ",
    "xã ",
    "phường ",
    "province of ",
    "city of ",
)

#: Provinces merged on 1 July 2025 (Resolution 202/2025/QH15): each former province and the
#: province that absorbed it. A code keeps the name it was issued under; an auditor of the
#: merged province also covers the former one. Overridable in the settings file
#: (``[regions] merges = {"Former" = "Successor"}``).
DEFAULT_MERGES = {
    "Hà Giang": "Tuyên Quang",
    "Yên Bái": "Lào Cai",
    "Bắc Kạn": "Thái Nguyên",
    "Vĩnh Phúc": "Phú Thọ",
    "Hòa Bình": "Phú Thọ",
    "Bắc Giang": "Bắc Ninh",
    "Thái Bình": "Hưng Yên",
    "Hải Dương": "Hải Phòng",
    "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình",
    "Quảng Bình": "Quảng Trị",
    "Quảng Nam": "Đà Nẵng",
    "Kon Tum": "Quảng Ngãi",
    "Bình Định": "Gia Lai",
    "Ninh Thuận": "Khánh Hòa",
    "Đắk Nông": "Lâm Đồng",
    "Bình Thuận": "Lâm Đồng",
    "Phú Yên": "Đắk Lắk",
    "Bà Rịa - Vũng Tàu": "Hồ Chí Minh",
    "Bình Dương": "Hồ Chí Minh",
    "Bình Phước": "Đồng Nai",
    "Long An": "Tây Ninh",
    "Sóc Trăng": "Cần Thơ",
    "Hậu Giang": "Cần Thơ",
    "Bến Tre": "Vĩnh Long",
    "Trà Vinh": "Vĩnh Long",
    "Tiền Giang": "Đồng Tháp",
    "Bạc Liêu": "Cà Mau",
    "Kiên Giang": "An Giang",
}


def normalise(name: str | None) -> str:
    """Lower-case, NFC, single spaces, administrative prefixes dropped."""
    text = unicodedata.normalize("NFC", (name or "").strip().lower())
    text = " ".join(text.replace("–", "-").split())
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return text


def _merges() -> dict[str, str]:
    if has_app_context():
        custom = (current_app.config.get("TRACEAPP_DOMAIN") or {}).get("regions", {})
        if "merges" in custom:
            return dict(custom["merges"])
    return DEFAULT_MERGES


@lru_cache(maxsize=8)
def _successors(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {normalise(k): normalise(v) for k, v in items}


def successor(name: str | None) -> str:
    """The normalised name of the province that covers ``name`` today."""
    key = normalise(name)
    return _successors(tuple(sorted(_merges().items()))).get(key, key)


def same_region(scope: str | None, name: str | None) -> bool:
    """Whether an auditor scoped to ``scope`` covers a unit named ``name`` (as issued)."""
    if not scope or not name:
        return False
    a, b = normalise(scope), normalise(name)
    return a == b or successor(b) == a


def names_covered(scope: str) -> list[str]:
    """Every spelling-normalised unit name an auditor of ``scope`` covers (for SQL filters)."""
    target = normalise(scope)
    merges = _successors(tuple(sorted(_merges().items())))
    return sorted({target} | {old for old, new in merges.items() if new == target})


def covering(key: str) -> set[str]:
    """The normalised names of the units whose auditors cover a unit stored under the
    normalised name ``key``: itself, and the unit it was merged into (if any)."""
    merges = _successors(tuple(sorted(_merges().items())))
    return {key, merges.get(key, key)}
