"""What a label says: the content record, printed captions and text clean-up."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from traceapp.core.inputs import is_digits

#: The most labels one run (or one "print N copies" request) may hold.
MAX_COPIES = 100_000


@dataclass(frozen=True, slots=True)
class LabelContent:
    """Everything printed on one label; ``serial`` is None on a lot-level label."""

    url: str
    product_name: str
    lot_code: str
    serial: str | None = None
    net_quantity: str | None = None
    best_before: date | None = None
    mark_name: str | None = None
    ocop_stars: int | None = None
    short_text: str = ""
    gtin_display: str | None = None

    def __post_init__(self) -> None:
        """Refuse contents no label could carry, before anything is drawn."""
        if not isinstance(self.url, str) or not self.url.strip():
            raise ValueError("url: a label needs the URL its QR code encodes")
        if not isinstance(self.lot_code, str) or not self.lot_code.strip():
            raise ValueError("lot_code: a label needs a lot code")
        if not isinstance(self.product_name, str):
            raise ValueError("product_name: must be text")
        if self.serial is not None and (not isinstance(self.serial, str) or not self.serial):
            raise ValueError("serial: must be None (lot-level label) or non-empty text")
        if self.ocop_stars is not None and (
            isinstance(self.ocop_stars, bool)
            or not isinstance(self.ocop_stars, int)
            or not 1 <= self.ocop_stars <= 5
        ):
            raise ValueError("ocop_stars: must be None or 1 to 5")
        if self.best_before is not None and not isinstance(self.best_before, date):
            raise ValueError("best_before: must be a date or None")
        if self.gtin_display is not None and not is_digits(self.gtin_display):
            raise ValueError("gtin_display: must be digits or None")


#: Where the value goes in a caption line; a pattern must end with it (see field_lines).
_VALUE = "%(value)s"


@dataclass(frozen=True, slots=True)
class Captions:
    """The words printed before each value; pass translated ones for the label's language.

    ``line`` joins a caption and its value ("Lot: X"; French "Lot : X", Chinese "批次：X").
    The defaults are English, the fallback where a printer cannot show the reader's script.
    """

    lot: str = "Lot"
    serial: str = "Serial"
    net: str = "Net"
    best_before: str = "Best before"
    gtin: str = "GTIN"
    date_format: str = "%d/%m/%Y"
    line: str = "%(caption)s: %(value)s"

    def join(self, caption: str, value: str) -> str:
        """One caption line: the caption, the language's separator and the value."""
        return self.line % {"caption": caption, "value": value}

    def lead(self, caption: str) -> str:
        """A caption line up to where its value starts (the serial is drawn after it)."""
        return self.join(caption, "\0").split("\0", 1)[0]

    def texts(self) -> tuple[str, ...]:
        """Every word the captions may print, to check a font has their letters."""
        return (
            self.join(self.lot, ""),
            self.serial,
            self.net,
            self.best_before,
            self.gtin,
            self.date_format,
        )


def default_captions() -> Captions:
    """Captions in the current locale, for printing: the request's language, the one set by
    ``force_locale`` (background jobs use their requester's), else the default language."""
    # TRANSLATORS: a caption and its value printed on a label, e.g. "Lot: XP-2026-0042".
    # Use your language's separator (French "Lot : X" with a space, Chinese a full-width
    # colon "批次：X" without one). %(value)s must stay last: the serial is drawn after it.
    line = _("%(caption)s: %(value)s")
    if not _usable_line(line):
        line = Captions().line  # a translation that misplaces the value would lose the serial
    return Captions(
        lot=_("Lot"),
        serial=_("Serial"),
        net=_("Net"),
        best_before=_("Best before"),
        gtin=_("GTIN"),
        # TRANSLATORS: a strftime pattern for dates printed on labels (day first in Vietnam).
        date_format=_("%d/%m/%Y"),
        line=line,
    )


def _usable_line(line: str) -> bool:
    """Whether a translated caption pattern formats and ends with the value."""
    try:
        line % {"caption": "", "value": ""}  # noqa: B018 - only checks that it formats
    except (KeyError, ValueError, TypeError):
        return False
    return line.endswith(_VALUE) and "%(caption)s" in line


def english_captions() -> Captions:
    """The English captions, for printers whose font lacks the reader's script."""
    return Captions()


def lot_label_copies(content: LabelContent, copies: int) -> Iterator[LabelContent]:
    """Yield ``copies`` identical lot-level labels (no serial) for products sold loose."""
    if content.serial is not None:
        raise ValueError("serial: copies are for lot-level labels; serialised labels are unique")
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise ValueError(f"copies: must be a whole number from 1 to {MAX_COPIES}")
    return itertools.repeat(content, copies)


def printed_stars(stars: int | None) -> int:
    """How many OCOP stars may be printed: only certified ratings (3 to 5) ever are."""
    return stars if stars is not None and 3 <= stars <= 5 else 0


def field_lines(
    content: LabelContent, captions: Captions, star: str = "\u2605"
) -> list[tuple[str, str]]:
    """The labelled lines under the product name, as (kind, text).

    The serial line holds its caption up to where the serial starts (with any space the
    language puts before it): the renderers draw the serial after it.
    """
    lines = [("lot", captions.join(captions.lot, content.lot_code))]
    if content.serial is not None:
        lines.append(("serial", captions.lead(captions.serial)))
    if content.net_quantity:
        lines.append(("net", captions.join(captions.net, content.net_quantity)))
    if content.best_before is not None:
        when = content.best_before.strftime(captions.date_format)
        lines.append(("best_before", captions.join(captions.best_before, when)))
    if content.mark_name:
        lines.append(("mark", content.mark_name))
    stars = printed_stars(content.ocop_stars)
    if stars:
        lines.append(("ocop", "OCOP " + star * stars))
    if content.gtin_display:
        lines.append(("gtin", f"{captions.gtin} {content.gtin_display}"))
    return lines


def strip_scheme(url: str) -> str:
    """The URL without ``https://``, as people read it off a label."""
    for scheme in ("https://", "http://"):
        if url.lower().startswith(scheme):
            return url[len(scheme) :]
    return url


def clean_text(text: str | None) -> str:
    """NFC-normalised single-line text: combining marks composed, control characters gone."""
    if not text:
        return ""
    if text.isascii() and text.isprintable():
        return text.strip()
    text = unicodedata.normalize("NFC", text)
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()
