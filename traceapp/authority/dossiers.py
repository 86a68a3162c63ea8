"""A zone's dossier: everything the authority knows about one code, as a printable PDF."""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from flask_babel import format_date, format_datetime, format_decimal, format_number, format_percent
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import actor_display_name
from traceapp.authority import inspections, services
from traceapp.authority.flags import Flag, compute_flags
from traceapp.authority.models import FLAG_LABELS, RESIDUE_LABELS, RESULT_LABELS, ZoneInspection
from traceapp.batches.models import LOT_STATUS_LABELS
from traceapp.database import local_today
from traceapp.units import fmt as fmt_qty
from traceapp.zones import services as zones
from traceapp.zones.models import (
    KIND_LABELS,
    SCHEME_LABELS,
    STATUS_LABELS,
    Zone,
    ZoneStatus,
    ZoneTransition,
)

FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"
FONT, FONT_BOLD = "TraceDejaVu", "TraceDejaVu-Bold"


def _shown_date(value: dt.date | None) -> str:
    """A date in the printed dossier: the reader's way of writing it."""
    return format_date(value) if value else ""


def _hectares(value: Any, pattern: str = "#,##0.####") -> str:
    return _("%(ha)s ha", ha=format_decimal(value, format=pattern))


@dataclass
class Dossier:
    """Everything the authority knows about one zone code."""

    zone: Zone
    today: dt.date
    status: str
    transitions: list[ZoneTransition]
    inspections: list[ZoneInspection]
    claims: list[services.Claim]
    seasons: list[Any]
    overlaps: list[Any]
    area: Any
    flags: list[Flag]
    head: str


def dossier(scope: services.Scope, zone: Zone, today: dt.date | None = None) -> Dossier:
    """Gather a zone's dossier (the caller has loaded the zone through the scope)."""
    today = today or local_today()
    return Dossier(
        zone=zone,
        today=today,
        status=zones.effective_status(zone, today).value,
        transitions=zones.zone_transitions(zone),
        inspections=inspections.inspections_of(zone),
        claims=services.claims_of(zone),
        seasons=services.seasons_of(zone),
        overlaps=zones.overlaps_of(zone),
        area=zones.area_check(zone),
        flags=compute_flags(scope, zone=zone, today=today),
        head=audit.printed_head(),
    )


@functools.cache
def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSansCondensed.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSansCondensed-Bold.ttf")))


def _outline(geometry: dict[str, Any] | None, size: float = 200) -> Any:
    """The zone's outline as a reportlab drawing, north up, scaled to fit."""
    from reportlab.graphics.shapes import Circle, Drawing, Polygon, String

    if not geometry:
        drawing = Drawing(size, 16)
        drawing.add(String(0, 4, _("No location yet"), fontName=FONT, fontSize=9))
        return drawing
    drawing = Drawing(size, size)
    if geometry["type"] == "Point":
        drawing.add(Circle(size / 2, size / 2, 4, fillColor=None, strokeWidth=1.5))
        lon, lat = geometry["coordinates"][:2]
        drawing.add(String(10, 10, f"{lat:.6f}, {lon:.6f}", fontName=FONT, fontSize=8))
        return drawing
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    points = [p for polygon in polygons for ring in polygon for p in ring]
    mid_lat = sum(p[1] for p in points) / len(points)
    shrink = math.cos(math.radians(mid_lat))  # metres per degree of longitude shrink
    xs = [p[0] * shrink for p in points]
    ys = [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1e-9
    scale = (size - 20) / span
    for polygon in polygons:
        for ring in polygon:
            flat: list[float] = []
            for lon, lat, *_rest in ring:
                flat += [10 + (lon * shrink - min(xs)) * scale, 10 + (lat - min(ys)) * scale]
            drawing.add(Polygon(flat, strokeWidth=1.2, fillColor=None))
    return drawing


def dossier_pdf(d: Dossier, cooperative_name: str) -> bytes:
    """The dossier as a printable A4 PDF (DejaVu fonts, so Vietnamese prints correctly)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    h1 = ParagraphStyle(
        "h1", parent=body, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=4
    )
    h2 = ParagraphStyle(
        "h2", parent=body, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3
    )
    zone = d.zone

    def p(text: Any, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(xml_escape("" if text is None else str(text)), style)

    def table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Any:
        if not rows:
            return p(_("None."), small)
        data = [[p(h, small) for h in header]] + [[p(c, small) for c in r] for r in rows]
        t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    def status(value: Any) -> str:
        return str(STATUS_LABELS[ZoneStatus(value)]) if value else "—"

    story: list[Any] = [
        p(_("Zone dossier %(code)s", code=zone.code), h1),
        p(
            _(
                "Printed on %(date)s. Status: %(status)s.",
                date=format_date(d.today),
                status=status(d.status),
            )
        ),
        Spacer(1, 4),
        table(
            [_("Fact"), _("Value")],
            [
                [_("Kind"), KIND_LABELS[zone.kind]],
                [_("Name"), zone.name or "—"],
                [_("Crop or species"), zone.crop or "—"],
                [_("Holder"), cooperative_name],
                [
                    _("Location (as issued)"),
                    ", ".join(filter(None, [zone.commune, zone.district, zone.province])),
                ],
                [_("Issuing authority"), zone.issuing_authority or "—"],
                [
                    _("Decision"),
                    " · ".join(filter(None, [zone.decision_number, _shown_date(zone.issued_on)]))
                    or "—",
                ],
                [
                    _("Valid"),
                    f"{_shown_date(zone.valid_from) or '?'} – "
                    f"{_shown_date(zone.valid_until) or '…'}",
                ],
                [
                    _("Declared area"),
                    "—" if zone.declared_area_ha is None else _hectares(zone.declared_area_ha),
                ],
                [
                    _("Computed area"),
                    "—"
                    if d.area.computed_ha is None
                    else _(
                        "%(ha)s ha (differs from the declared area)",
                        ha=format_decimal(d.area.computed_ha, format="#,##0.0000"),
                    )
                    if d.area.mismatch
                    else _hectares(d.area.computed_ha, "#,##0.0000"),
                ],
                [_("Households"), format_number(len(zone.members))],
            ],
            [45, 125],
        ),
        p(_("Outline"), h2),
        _outline(zone.geometry),
        p(_("Flags"), h2),
        table(
            [_("Rule"), _("Finding")],
            [[FLAG_LABELS[f.kind], f.message] for f in d.flags],
            [40, 130],
        ),
        p(_("Decisions"), h2),
        table(
            [_("When"), _("Change"), _("By"), _("Reason")],
            [
                [
                    format_datetime(t.at),
                    f"{status(t.from_status)} → {status(t.to_status)}",
                    actor_display_name(t.actor_label),
                    zones.shown_reason(t.reason),
                ]
                for t in d.transitions
            ],
            [30, 35, 40, 65],
        ),
        p(_("Inspections"), h2),
        table(
            [_("Date"), _("Inspector"), _("Result"), _("Checklist"), _("Findings")],
            [
                [
                    format_date(i.inspected_on),
                    i.inspector_name,
                    RESULT_LABELS[i.result],
                    _checklist(i),
                    (i.findings or "")
                    + (
                        "\n" + _("Follow-up by %(date)s", date=format_date(i.follow_up_on))
                        if i.follow_up_on
                        else ""
                    ),
                ]
                for i in d.inspections
            ],
            [20, 30, 20, 50, 50],
        ),
        p(_("Volumes declared per season against capacity"), h2),
        table(
            [_("Season"), _("Declared (kg)"), _("Capacity (kg)"), _("Share"), _("Lots")],
            [
                [
                    f"{format_date(s.season_start)} – {format_date(last_day(s.season_end))}",
                    format_decimal(s.declared_kg, format="#,##0.0"),
                    format_decimal(s.capacity_kg, format="#,##0.0"),
                    format_percent(s.ratio) + (" ⚠" if s.exceeded else ""),
                    ", ".join(s.lot_codes),
                ]
                for s in d.seasons
            ],
            [40, 28, 28, 18, 56],
        ),
        p(_("Lots that claimed this code"), h2),
        table(
            [_("Lot"), _("Status"), _("Quantity"), _("First delivery"), _("Holder")],
            [
                [
                    c.lot_code,
                    LOT_STATUS_LABELS.get(c.lot_status, c.lot_status),
                    fmt_qty(c.quantity, c.unit),
                    format_date(c.first_delivery),
                    _("the holder")
                    if c.cooperative_id == zone.cooperative_id
                    else _("another cooperative"),
                ]
                for c in d.claims
            ],
            [40, 22, 38, 30, 40],
        ),
        p(_("Certifications"), h2),
        table(
            [_("Scheme"), _("Number"), _("Issued"), _("Expires"), _("Valid today")],
            [
                [
                    SCHEME_LABELS[c.scheme],
                    c.number,
                    _shown_date(c.issued_on),
                    _shown_date(c.expires_on),
                    _("yes") if c.is_valid_on(d.today) else _("no"),
                ]
                for c in zone.certifications
            ],
            [30, 55, 28, 28, 29],
        ),
        p(_("Overlaps"), h2),
        table(
            [_("Other code"), _("Status"), _("Shared area")],
            [[o.code, status(o.status), _hectares(o.overlap_ha, "#,##0.0000")] for o in d.overlaps],
            [60, 50, 60],
        ),
        Spacer(1, 6 * mm),
        # For a later `traceapp audit verify --head`: records removed since then show.
        p(
            # TRANSLATORS: %(head)s is "#" with a record number, then a 64-digit hash.
            _("Audit chain head when this dossier was printed: %(head)s", head=d.head),
            small,
        ),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Zone dossier %(code)s", code=zone.code),
        author="traceapp",
    )
    doc.build(story)
    return out.getvalue()


def last_day(end: dt.date) -> dt.date:
    """The last day of a season whose end is given exclusively (as yields.season does)."""
    return end - dt.timedelta(days=1)


def _checklist(i: ZoneInspection) -> str:
    def yes(value: bool) -> str:
        return _("yes") if value else _("no")

    return "; ".join(
        [
            _("boundaries match: %(v)s", v=yes(i.boundaries_match)),
            _("farm diary: %(v)s", v=yes(i.farm_diary_kept)),
            _("permitted inputs only: %(v)s", v=yes(i.permitted_inputs_only)),
            _("residues: %(v)s", v=RESIDUE_LABELS[i.residue_result]),
            _("GAP certificate valid: %(v)s", v=yes(i.gap_certificate_valid)),
        ]
    )
