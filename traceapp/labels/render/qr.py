"""QR symbols: the module matrix (zxing-cpp, qrcode as fallback), runs, PNG and SVG."""

from __future__ import annotations

import io
import logging
import math
from types import ModuleType

import numpy as np
from PIL import Image

zxingcpp: ModuleType | None  # None where the wheel is unavailable
try:  # zxing-cpp is a C++ encoder, ~20x faster than the pure-Python qrcode library
    import zxingcpp
except ImportError:  # pragma: no cover - exercised only where the wheel is unavailable
    zxingcpp = None

logger = logging.getLogger(__name__)

EC_LEVELS = ("L", "M", "Q", "H")
#: Light modules required around the symbol by ISO/IEC 18004.
QUIET_ZONE = 4
MM_PER_INCH = 25.4


def check_ec(ec: str) -> str:
    """The error-correction level, upper-cased, or ValueError."""
    level = ec.upper() if isinstance(ec, str) else ec
    if level not in EC_LEVELS:
        raise ValueError(f"ec: error correction must be one of {', '.join(EC_LEVELS)}")
    return level


def qr_dark(url: str, ec: str = "M") -> np.ndarray:
    """A square bool array of the symbol's modules (True = dark), without quiet zone."""
    level = check_ec(ec)
    if not isinstance(url, str) or not url:
        raise ValueError("url: nothing to encode")
    if zxingcpp is None:
        return _qr_dark_fallback(url, level)
    try:
        symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=level)
    except ValueError as exc:  # zxing-cpp reports oversized data as a ValueError
        raise ValueError(f"url: cannot be encoded as a QR code ({exc})") from exc
    if symbol.ec_level != level:
        # A silently different level would change how much damage a label survives.
        raise RuntimeError(f"QR encoder produced EC level {symbol.ec_level!r}, not {level!r}")
    return np.asarray(symbol.to_image(scale=1, add_quiet_zones=False)) == 0


def _qr_dark_fallback(url: str, level: str) -> np.ndarray:
    """The same matrix from the pure-Python qrcode library (slow: ~5 ms per symbol)."""
    import qrcode
    from qrcode import constants

    levels = {
        "L": constants.ERROR_CORRECT_L,
        "M": constants.ERROR_CORRECT_M,
        "Q": constants.ERROR_CORRECT_Q,
        "H": constants.ERROR_CORRECT_H,
    }
    code = qrcode.QRCode(error_correction=levels[level], border=0)
    code.add_data(url)
    try:
        code.make(fit=True)
    except qrcode.exceptions.DataOverflowError as exc:
        raise ValueError("url: cannot be encoded as a QR code (too long)") from exc
    return np.array(code.get_matrix(), dtype=bool)


def qr_matrix(url: str, ec: str = "M") -> list[list[bool]]:
    """Rows of the QR symbol for ``url`` (True = dark module), without the quiet zone."""
    return qr_dark(url, ec).tolist()


def module_runs(dark: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Horizontal runs of dark modules: (row, first column, length) arrays, row-major order.

    ``dark`` may be one symbol or a stack of equal-sized ones; rows then count on across them.
    """
    cols = dark.shape[-1]
    flat = dark.reshape(-1, cols)
    # A light column after every row keeps runs from joining across rows; then the non-zero
    # steps of the flattened sequence alternate run start, run end.
    padded = np.zeros((flat.shape[0], cols + 1), dtype=np.int8)
    padded[:, :cols] = flat
    edges = np.flatnonzero(np.diff(padded.ravel(), prepend=np.int8(0)))
    starts = edges[0::2]
    rows, first = np.divmod(starts, cols + 1)
    return rows, first, edges[1::2] - starts


def module_pixels(modules: int, size_mm: float, dpi: int) -> int:
    """Whole device pixels per module so that the symbol and quiet zone fit ``size_mm``."""
    if not size_mm > 0 or not dpi > 0:
        raise ValueError("size_mm and dpi must be positive")
    available = size_mm / MM_PER_INCH * dpi
    # A fraction of a pixel per module would print modules of uneven width.
    return max(1, math.floor(available / (modules + 2 * QUIET_ZONE) + 1e-9))


def render_png(url: str, *, ec: str = "M", size_mm: float = 20.0, dpi: int = 300) -> bytes:
    """A 1-bit PNG of the QR code with its quiet zone, at most ``size_mm`` wide at ``dpi``."""
    dark = qr_dark(url, ec)
    scale = module_pixels(dark.shape[0], size_mm, dpi)
    light = ~np.pad(dark, QUIET_ZONE, constant_values=False)
    pixels = np.repeat(np.repeat(light, scale, axis=0), scale, axis=1)
    image = Image.fromarray(pixels)  # a bool array gives a 1-bit image
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, dpi=(dpi, dpi))
    return buffer.getvalue()


def svg_path(dark: np.ndarray, offset: int = QUIET_ZONE) -> str:
    """An SVG path drawing each run of dark modules as one rectangle."""
    rows, starts, lengths = module_runs(dark)
    return "".join(
        f"M{c + offset} {r + offset}h{n}v1h-{n}z"
        for r, c, n in zip(rows.tolist(), starts.tolist(), lengths.tolist(), strict=True)
    )


def render_svg(url: str, *, ec: str = "M", size_mm: float = 20.0) -> str:
    """An SVG of the QR code with its quiet zone, ``size_mm`` square, one path, crisp edges."""
    if not size_mm > 0:
        raise ValueError("size_mm must be positive")
    dark = qr_dark(url, ec)
    side = dark.shape[0] + 2 * QUIET_ZONE
    size = f"{size_mm:g}mm"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{size}" '
        f'height="{size}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{svg_path(dark)}"/></svg>'
    )
