"""The public package's services, for other packages: each lives in the module of its job.

- :mod:`traceapp.public.page` and :mod:`traceapp.public.page_cache`: the lot page's model
  and its cache;
- :mod:`traceapp.public.clone`: the clone rules and their flag texts;
- :mod:`traceapp.public.lookups`: products and lots by GTIN;
- :mod:`traceapp.public.scan`: the scan path (resolution, connection, log, limits, page).
"""

from __future__ import annotations

from traceapp.public.clone import (
    FLAG_CLIENTS,
    FLAG_EXPIRED,
    FLAG_MISMATCH,
    FLAG_RECALLED,
    FLAG_SCANS,
    FLAG_VOIDED,
    caution_kind,
    clone_reason,
    describe_flag,
)
from traceapp.public.lookups import latest_lot, lot_by_gtin, product_by_gtin
from traceapp.public.page import LotPage, build_lot_page
from traceapp.public.page_cache import LotVersion, clear_cache, lot_page
from traceapp.public.scan.resolve import ScanResult, record_scan, resolve_scan

__all__ = [
    "FLAG_CLIENTS",
    "FLAG_EXPIRED",
    "FLAG_MISMATCH",
    "FLAG_RECALLED",
    "FLAG_SCANS",
    "FLAG_VOIDED",
    "LotPage",
    "LotVersion",
    "ScanResult",
    "build_lot_page",
    "caution_kind",
    "clear_cache",
    "clone_reason",
    "describe_flag",
    "latest_lot",
    "lot_by_gtin",
    "lot_page",
    "product_by_gtin",
    "record_scan",
    "resolve_scan",
]
