"""Zone inspections and the flags an auditor reviews (computed, never stored)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceapp.auth.models import enum_column
from traceapp.cooperatives.models import TenantMixin
from traceapp.database import Base, IdMixin, TimestampMixin

if TYPE_CHECKING:
    from traceapp.auth.models import Actor
    from traceapp.zones.models import Zone


class ResidueResult(enum.StrEnum):
    """The outcome of residue sampling during the visit."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    NOT_SAMPLED = "not_sampled"


class InspectionResult(enum.StrEnum):
    """The inspector's overall verdict."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    CONDITIONAL = "conditional"
    FAIL = "fail"


RESIDUE_LABELS = {
    ResidueResult.PASS: _l("Sampled: within limits"),
    ResidueResult.FAIL: _l("Sampled: above limits"),
    ResidueResult.NOT_SAMPLED: _l("Not sampled"),
}
RESULT_LABELS = {
    InspectionResult.PASS: _l("Pass"),
    InspectionResult.CONDITIONAL: _l("Conditional (fix by the follow-up date)"),
    InspectionResult.FAIL: _l("Fail"),
}
#: The kinds of flag the console raises, as auditors read them.
FLAG_LABELS = {
    "overclaimed": _l("Volume beyond what the area can yield"),
    "implausible_entry": _l("Implausible delivery confirmed at entry"),
    "borrowed_code": _l("Code claimed by another cooperative"),
    "overlap": _l("Overlapping zones"),
    "area_mismatch": _l("Declared and measured area differ"),
    "certification_expired": _l("Expired certification"),
    "cloned_labels": _l("Labels flagged as copied"),
    "unknown_serials": _l("Scans of serials never issued"),
    "recalled_lot": _l("Recalled lot"),
    "shopper_reports": _l("Problems reported by shoppers"),
}


class ZoneInspection(IdMixin, TimestampMixin, TenantMixin, Base):
    """One field inspection of a zone code by the authority. Never edited once recorded.

    ``cooperative_id`` is the zone holder's, so the cooperative reads the inspections of its
    own zones; auditors read those of zones in their scope.
    """

    __tablename__ = "zone_inspections"
    __table_args__ = (
        sa.CheckConstraint(
            "follow_up_on IS NULL OR follow_up_on >= inspected_on", name="follow_up_after_visit"
        ),
        sa.Index("ix_zone_inspections_zone_id_inspected_on", "zone_id", "inspected_on"),
    )

    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id", ondelete="RESTRICT"))
    inspected_on: Mapped[dt.date]
    inspector_name: Mapped[str] = mapped_column(sa.String(120))
    boundaries_match: Mapped[bool]
    farm_diary_kept: Mapped[bool]
    permitted_inputs_only: Mapped[bool]
    residue_result: Mapped[ResidueResult] = mapped_column(
        enum_column(ResidueResult, "residue_result")
    )
    gap_certificate_valid: Mapped[bool]
    result: Mapped[InspectionResult] = mapped_column(
        enum_column(InspectionResult, "inspection_result")
    )
    findings: Mapped[str | None] = mapped_column(sa.Text)
    follow_up_on: Mapped[dt.date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_by_label: Mapped[str] = mapped_column(sa.String(254))
    #: The suspension this inspection led to, when it suspended the code in the same step.
    transition_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("zone_transitions.id", ondelete="SET NULL")
    )

    zone: Mapped[Zone] = relationship()

    def __repr__(self) -> str:
        return f"<ZoneInspection {self.zone_id} {self.inspected_on} {self.result}>"

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Cooperative users see their zones' inspections; auditors those of their zones."""
        from traceapp.zones.models import Zone

        if actor.is_auditor:
            return cls.zone_id.in_(sa.select(Zone.id).where(Zone.visible_to(actor)))
        return super().visible_to(actor)


# --- flags (computed by authority/flags.py, never stored) ----------------------------------

#: Every rule, in the order the list shows them.
FLAG_KINDS = (
    "overclaimed",
    "implausible_entry",
    "borrowed_code",
    "overlap",
    "area_mismatch",
    "certification_expired",
    "cloned_labels",
    "unknown_serials",
    "recalled_lot",
    "shopper_reports",
)
#: Rules about a zone: a zone with one of these counts as "flagged" in the register.
ZONE_KINDS = frozenset(
    {"overclaimed", "borrowed_code", "overlap", "area_mismatch", "certification_expired"}
)


@dataclass
class Flag:
    """One thing an auditor should look at, with what it is about and the figures behind it."""

    kind: str
    message: str
    zone_id: int | None = None
    zone_code: str | None = None
    lot_id: int | None = None
    lot_code: str | None = None
    cooperative_id: int | None = None
    since: dt.date | None = None
    details: dict[str, Any] = field(default_factory=dict)
    #: What the sentence needs beyond the fields above (kept with the flag, never shown).
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


# --- figures kept for the console (authority/figures.py) ------------------------------------


class FlagRow(Base):
    """One flag as the last refresh found it, over the whole platform (the console filters
    by scope when it reads them). The message is written when read, in the reader's
    language, from these fields and ``extra``."""

    __tablename__ = "flag_rows"
    __table_args__ = (sa.Index("ix_flag_rows_kind_position", "kind", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    #: The order the rules listed them in.
    position: Mapped[int]
    zone_id: Mapped[int | None]
    zone_code: Mapped[str | None] = mapped_column(sa.String(40))
    lot_id: Mapped[int | None]
    lot_code: Mapped[str | None] = mapped_column(sa.String(20))
    cooperative_id: Mapped[int | None]
    since: Mapped[dt.date | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: What the message needs beyond the flag's own fields (e.g. a cooperative's name).
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FiguresRefreshed(Base):
    """When a set of kept figures was last computed (the pages show it)."""

    __tablename__ = "figures_refreshed"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    refreshed_at: Mapped[dt.datetime]


class RegionMonth(Base):
    """Lots, labels issued and scans per console region and calendar month, kept by the
    figures refresh (traceapp/authority/region_figures.py) so that the statistics page of a
    province reads a few dozen rows instead of every lot of the province.

    A region is what an auditor's scope covers: ``COUNTRY|province`` or
    ``COUNTRY|province|district`` (normalised names), or ``*`` for the whole platform. A lot
    counts once in each region it falls in, as :class:`~traceapp.authority.scope.Scope`
    decides: it claimed a zone of the region, or was made from a lot that did.
    """

    __tablename__ = "region_months"

    region_key: Mapped[str] = mapped_column(sa.String(220), primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # YYYY-MM, local time
    lots: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    labels: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    scans: Mapped[int] = mapped_column(sa.BigInteger, default=0)
