"""Administrative boundaries shipped with the app (``traceapp/data/boundaries/``), for maps
with context and no external request. See that folder's SOURCE.md for where they come from.

The files are GeoJSON, one per country and level, named ``{CC}-{level}.geojson`` (``VN-1``:
Vietnam's provinces). Each feature has ``code`` (ISO 3166-2 at level 1), ``name`` (the local
name) and ``name_en``, ``name_fr``, ``name_zh``. A file is read once, on first use.

The API, for any page or map (all read-only, all cached)::

    from traceapp.core import boundaries
    boundaries.available()                   # [("KH", 1), ("TR", 1), ("VN", 1)]
    boundaries.outlines("VN")                # every province of Vietnam, as Outline
    boundaries.find("VN", "Phú Yên")         # one by name (any spelling, prefix or accent)
    boundaries.find("VN", "Đắk Lắk", merged=True)  # the province as merged in 2025
    boundaries.containing(geojson)           # the outlines holding a GeoJSON geometry
    boundaries.around(geojson, km=30)        # the outlines within km of it

An :class:`Outline` has ``country``, ``level``, ``code``, ``name``, ``shape`` (a shapely
geometry, lon/lat), ``geojson()`` and ``name_in(lang)``. Level 1 is a province; level 2 a
district, when its file is shipped (none yet: see SOURCE.md).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from traceapp.core import regions

#: Where the dataset lives.
DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "boundaries"


@dataclass(frozen=True)
class Outline:
    """One administrative unit's outline."""

    country: str
    level: int
    code: str
    name: str
    shape: BaseGeometry = field(compare=False, repr=False)
    names: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    #: For a merged province (``find(..., merged=True)``): the names of the former ones.
    members: tuple[str, ...] = ()

    def name_in(self, lang: str) -> str:
        """The unit's name in ``lang`` (``vi``, ``en``, ``fr``, ``zh``); the local name
        when the dataset has none in that language."""
        return dict(self.names).get(lang) or self.name

    def geojson(self) -> dict[str, Any]:
        """The outline as a GeoJSON geometry."""
        return dict(mapping(self.shape))


def available() -> list[tuple[str, int]]:
    """The (country, level) pairs the dataset has."""
    found = []
    for path in sorted(DATA_DIR.glob("*-*.geojson")):
        country, _, level = path.stem.partition("-")
        if level.isdigit():
            found.append((country, int(level)))
    return found


@lru_cache(maxsize=16)
def outlines(country: str, level: int = 1) -> tuple[Outline, ...]:
    """Every outline of ``country`` (ISO 3166 alpha-2) at ``level``; empty when not shipped."""
    path = DATA_DIR / f"{country.upper()}-{level}.geojson"
    if not path.exists():
        return ()
    data = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for feature in data["features"]:
        props = feature["properties"]
        names = tuple(
            (lang, props[f"name_{lang}"])
            for lang in ("en", "fr", "zh")
            if props.get(f"name_{lang}")
        )
        found.append(
            Outline(
                country=country.upper(),
                level=level,
                code=props["code"],
                name=props["name"],
                shape=shape(feature["geometry"]),
                names=(("vi", props["name"]), *names) if country.upper() == "VN" else names,
            )
        )
    return tuple(found)


def _key(name: str | None) -> str:
    """A name compared without prefix, case, accents or punctuation (Hoà/Hòa, Đ/D)."""
    text = regions.normalise(name).replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return "".join(c for c in text if c.isalnum())


def find(country: str, name: str | None, level: int = 1, *, merged: bool = False) -> Outline | None:
    """The outline named ``name`` (any spelling: "Tỉnh Phú Yên", "phu yen", "Khánh Hoà").

    With ``merged`` (Vietnam's provinces): the province as it is since the 2025 merges, its
    outline the union of the former provinces it absorbed (``members`` names them); a
    province that merged into another gives the one it is part of now.
    """
    if not name:
        return None
    key = _key(name)
    by_key = {_key(o.name): o for o in outlines(country, level)}
    for o in outlines(country, level):
        by_key.setdefault(_key(dict(o.names).get("en")), o)
    if not merged or country.upper() != "VN" or level != 1:
        return by_key.get(key)
    return _merged(regions.successor(name))


@lru_cache(maxsize=64)
def _merged(target: str) -> Outline | None:
    parts = [o for o in outlines("VN") if regions.successor(o.name) == target]
    head = find("VN", target)
    if head is None or not parts:
        return head
    union = unary_union([p.shape for p in parts])
    members = tuple(sorted(p.name for p in parts if p.code != head.code))
    return Outline(head.country, 1, head.code, head.name, union, head.names, members)


def _as_shape(geometry: dict[str, Any] | BaseGeometry) -> BaseGeometry:
    return geometry if isinstance(geometry, BaseGeometry) else shape(geometry)


def containing(
    geometry: dict[str, Any] | BaseGeometry, level: int = 1, country: str | None = None
) -> list[Outline]:
    """The outlines (of ``country``, or of every shipped country) that hold the geometry's
    representative point: usually one."""
    point = _as_shape(geometry).representative_point()
    countries = [country.upper()] if country else [c for c, lv in available() if lv == level]
    return [o for c in countries for o in outlines(c, level) if o.shape.contains(point)]


def around(
    geometry: dict[str, Any] | BaseGeometry,
    km: float = 20.0,
    level: int = 1,
    country: str | None = None,
) -> list[Outline]:
    """The outlines within ``km`` of the geometry (those holding it included)."""
    degrees = km / 111.32
    near = _as_shape(geometry).buffer(degrees)
    countries = [country.upper()] if country else [c for c, lv in available() if lv == level]
    return [o for c in countries for o in outlines(c, level) if o.shape.intersects(near)]
