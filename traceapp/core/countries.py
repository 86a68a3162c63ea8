"""Country profiles: the data that differs between the countries traceapp serves.

Each profile is a JSON file in ``traceapp/data/countries/`` (see its README): ISO codes,
administrative levels and first-level units, default language, time zone, currency, phone
format, GS1 prefixes and zone-code schemes. ``TRACEAPP_COUNTRIES_FILE`` names one more JSON
file (a profile or a list of profiles) that adds countries or replaces shipped ones, so a
deployment adds a country without a code change.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_babel import gettext as _

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "countries"
#: The country of cooperatives created before countries existed, and the fallback.
DEFAULT = "VN"


@dataclass(frozen=True)
class Country:
    """One country's profile (read-only)."""

    code: str
    alpha3: str
    names: dict[str, str]
    default_language: str
    timezone: str
    currency: str
    phone: dict[str, str]
    gtin_prefixes: tuple[str, ...]
    levels: tuple[dict[str, Any], ...]
    units: tuple[dict[str, Any], ...]
    bbox: tuple[float, float, float, float] | None = None
    zone_schemes: dict[str, dict[str, Any]] = field(default_factory=dict)
    units_source: str = ""

    def name(self, language: str | None = None) -> str:
        """The country's name in ``language`` (English, then the code, if missing)."""
        return self.names.get(language or "", self.names.get("en", self.code))

    def level_name(self, key: str, language: str | None = None) -> str:
        """The name of an administrative level ("province", "district", ...) in a language."""
        for level in self.levels:
            if level["key"] == key:
                names = level.get("names", {})
                return str(names.get(language or "", names.get("en", key)))
        return key

    def has_level(self, key: str) -> bool:
        """Whether the country has this administrative level."""
        return any(level["key"] == key for level in self.levels)

    def unit_names(self, *, current: bool = True) -> list[str]:
        """Names of the first-level units; with ``current``, without those merged away."""
        return [u["name"] for u in self.units if not (current and u.get("merged_into"))]

    def unit_label(self, unit: dict[str, Any], language: str | None = None) -> str:
        """A unit as a reader sees it: its stored name, with its name in their language."""
        local = (unit.get("names") or {}).get(language or "")
        return f"{unit['name']} ({local})" if local and local != unit["name"] else unit["name"]

    def merges(self) -> dict[str, str]:
        """Former units and the units that absorbed them."""
        return {u["name"]: u["merged_into"] for u in self.units if u.get("merged_into")}

    def accepts_gtin(self, gtin: str | None) -> bool:
        """Whether a GTIN-13 (or its GTIN-14 form) starts with one of the country's prefixes."""
        digits = (gtin or "").strip()
        if len(digits) == 14:
            digits = digits[1:]
        return any(digits.startswith(prefix) for prefix in self.gtin_prefixes)

    def phone_ok(self, phone: str | None) -> bool:
        """Whether a phone number fits the country's pattern (spaces, dots and dashes aside)."""
        pattern = self.phone.get("pattern")
        if not phone or not pattern:
            return True
        return re.match(pattern, re.sub(r"[\s.\-()]", "", phone)) is not None


def _profile(raw: dict[str, Any]) -> Country:
    code = str(raw["code"]).upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError(f"country code {code!r} is not two letters")
    bbox = raw.get("bbox")
    return Country(
        code=code,
        alpha3=str(raw.get("alpha3") or code),
        names=dict(raw.get("names") or {"en": code}),
        default_language=str(raw.get("default_language") or "en"),
        timezone=str(raw.get("timezone") or "UTC"),
        currency=str(raw.get("currency") or ""),
        phone=dict(raw.get("phone") or {}),
        gtin_prefixes=tuple(str(p) for p in raw.get("gtin_prefixes") or ()),
        levels=tuple(raw.get("levels") or ({"key": "province"},)),
        units=tuple(raw.get("units") or ()),
        bbox=(bbox[0], bbox[1], bbox[2], bbox[3]) if bbox else None,
        zone_schemes=dict(raw.get("zone_schemes") or {}),
        units_source=str(raw.get("units_source") or ""),
    )


def _read(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


@lru_cache(maxsize=4)
def _load(extra: str | None) -> dict[str, Country]:
    found: dict[str, Country] = {}
    for path in sorted(DATA_DIR.glob("*.json")):
        for raw in _read(path):
            country = _profile(raw)
            found[country.code] = country
    if extra:
        for raw in _read(Path(extra)):
            country = _profile(raw)
            found[country.code] = country
            log.info("country profile %s from %s", country.code, extra)
    return found


def profiles() -> dict[str, Country]:
    """Every known country by ISO code: the shipped ones and the settings file's."""
    extra = current_app.config.get("TRACEAPP_COUNTRIES_FILE") if has_app_context() else None
    return _load(extra or None)


def codes() -> list[str]:
    """The known countries' codes, Vietnam first, then alphabetically."""
    return sorted(profiles(), key=lambda c: (c != DEFAULT, c))


def get(code: str | None) -> Country:
    """The profile of a country (Vietnam's for an empty or unknown code)."""
    known = profiles()
    return known.get((code or "").upper()) or known[DEFAULT]


def is_known(code: str | None) -> bool:
    """Whether a country code has a profile."""
    return (code or "").upper() in profiles()


def phone_problem(country: Country, phone: str | None) -> str | None:
    """Why a phone number does not fit the country's numbering (a sentence naming the country
    and an example), or None when it fits or the country gives no pattern."""
    if country.phone_ok(phone):
        return None
    return _(
        "This is not a phone number of %(country)s: write it as %(example)s, or with +%(code)s.",
        country=country.name(str(get_locale())),
        example=country.phone.get("example") or "",
        code=country.phone.get("calling_code") or "",
    )


def for_gtin(gtin: str | None) -> Country | None:
    """The country whose GS1 prefix a GTIN carries, if any known one does."""
    for country in profiles().values():
        if country.accepts_gtin(gtin):
            return country
    return None


def find_unit(country: Country, name: str | None) -> dict[str, Any] | None:
    """The first-level unit of ``country`` with this name (its stored, ISO or local name;
    spelling, case and prefixes such as "tỉnh" aside), or None. A country shipped without
    units accepts any name."""
    from traceapp.core.regions import normalise

    key = normalise(name)
    if not key:
        return None
    for unit in country.units:
        spellings = [unit["name"], unit.get("iso_name"), *(unit.get("names") or {}).values()]
        if any(normalise(s) == key for s in spellings if s):
            return unit
    return None


def province_ok(code: str | None, name: str | None) -> bool:
    """Whether ``name`` is a first-level unit of the country (or the country lists none)."""
    country = get(code)
    return not country.units or find_unit(country, name) is not None


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) pairs for a select, each country named in the reader's language."""
    if language is None and has_app_context():
        from flask_babel import get_locale

        language = str(get_locale() or "")
    return [(code, get(code).name(language)) for code in codes()]
