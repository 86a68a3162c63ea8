"""Label stock: A4 sticker sheets and roll labels, with where each label sits."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

PT_PER_MM = 72 / 25.4


@dataclass(frozen=True, slots=True)
class Layout:
    """One kind of label stock; lengths in millimetres, text sizes in points."""

    key: str
    name: str  # a lazy translatable string for the layout pickers
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int
    rows: int
    margin_left: float = 0.0
    margin_top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    #: Blank border kept inside each label, for die-cut and feed tolerance.
    padding: float = 2.0
    #: Office printers cannot print this close to the paper edge; content stays clear of it.
    printable_inset: float = 0.0
    #: Positions and module sizes snap to this printer grid so modules print evenly (office
    #: lasers print at 600 or 1200 dpi).
    grid_dpi: int = 600
    name_size: float = 8.0
    body_size: float = 6.5
    url_size: float = 5.0

    @property
    def per_page(self) -> int:
        """Labels on one page."""
        return self.columns * self.rows

    def label_box(self, slot: int) -> tuple[float, float]:
        """Bottom-left corner (x, y) in mm, PDF orientation, of the label in ``slot``."""
        row, column = divmod(slot, self.columns)
        x = self.margin_left + column * (self.label_width + self.gap_x)
        top = self.page_height - self.margin_top - row * (self.label_height + self.gap_y)
        return x, top - self.label_height

    def content_box(self, slot: int) -> tuple[float, float, float, float]:
        """The printable part of the label in ``slot``, in mm relative to its corner."""
        x, y = self.label_box(slot)
        inset = self.printable_inset
        return (
            max(self.padding, inset - x),
            max(self.padding, inset - y),
            min(self.label_width - self.padding, self.page_width - inset - x),
            min(self.label_height - self.padding, self.page_height - inset - y),
        )


# Margins follow from the stock's geometry (A4 = 210 x 297 mm). The common 24-up 70 x 37 mm
# sheets run to the side edges: 3 x 70 = 210 mm wide and 8 x 37 = 296 mm tall, leaving 0.5 mm
# top and bottom. The 40-up 48.5 x 25.4 mm sheets (e.g. Avery Zweckform 3657): 4 x 48.5 =
# 194 mm, so 8 mm side margins; 10 x 25.4 = 254 mm, so 21.5 mm top and bottom; no gaps.
LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in (
        Layout(
            key="a4-3x8",
            name=_l("A4 sheet, 24 labels 70 x 37 mm (3 x 8)"),
            page_width=210.0,
            page_height=297.0,
            label_width=70.0,
            label_height=37.0,
            columns=3,
            rows=8,
            margin_top=0.5,
            padding=2.0,
            printable_inset=4.0,
            name_size=8.0,
            body_size=6.5,
            url_size=5.0,
        ),
        Layout(
            key="a4-4x10",
            name=_l("A4 sheet, 40 labels 48.5 x 25.4 mm (4 x 10)"),
            page_width=210.0,
            page_height=297.0,
            label_width=48.5,
            label_height=25.4,
            columns=4,
            rows=10,
            margin_left=8.0,
            margin_top=21.5,
            padding=1.5,
            printable_inset=4.0,
            name_size=6.5,
            body_size=5.5,
            url_size=4.2,
        ),
        Layout(
            key="roll-50x30",
            name=_l("Roll, one 50 x 30 mm label per page (thermal printers)"),
            page_width=50.0,
            page_height=30.0,
            label_width=50.0,
            label_height=30.0,
            columns=1,
            rows=1,
            padding=1.5,
            # Most thermal label printers sold here print at 203 dpi (8 dots per mm).
            grid_dpi=203,
            name_size=7.5,
            body_size=6.0,
            url_size=4.8,
        ),
    )
}


def get_layout(key: str) -> Layout:
    """The layout named ``key``, or ValueError listing the known ones."""
    try:
        return LAYOUTS[key]
    except (KeyError, TypeError):
        raise ValueError(f"layout: unknown, choose one of {', '.join(LAYOUTS)}") from None
