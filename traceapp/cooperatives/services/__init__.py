"""Cooperatives and members: creation, edits, numbering, and the all-or-nothing file import,
one module per job; the public names are re-exported here for callers."""

from __future__ import annotations

from traceapp.cooperatives.services.cooperative import (
    COOPERATIVE_FIELDS,
    check_cooperative,
    create_cooperative,
    get_cooperative,
    set_cooperative_logo,
    update_cooperative,
)
from traceapp.cooperatives.services.member_apply import commit_member_import
from traceapp.cooperatives.services.member_cells import HEADER_ALIASES
from traceapp.cooperatives.services.member_files import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportLimits,
    import_limits,
    read_member_upload,
    read_table,
)
from traceapp.cooperatives.services.member_import import (
    ImportPreview,
    ImportRow,
    line_problem,
    preview_member_import,
    summary_errors,
)
from traceapp.cooperatives.services.members import (
    MEMBER_FIELD_LABELS,
    MEMBER_FIELDS,
    MEMBER_LIST_ORDER,
    check_member,
    create_member,
    imo_is_valid,
    member_list,
    member_search,
    member_stats,
    update_member,
)
from traceapp.cooperatives.services.numbering import allocate_member_number, next_counter_value

__all__ = [
    "COOPERATIVE_FIELDS",
    "HEADER_ALIASES",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "MEMBER_FIELDS",
    "MEMBER_FIELD_LABELS",
    "ImportLimits",
    "ImportPreview",
    "ImportRow",
    "allocate_member_number",
    "check_cooperative",
    "check_member",
    "commit_member_import",
    "create_cooperative",
    "create_member",
    "get_cooperative",
    "imo_is_valid",
    "import_limits",
    "line_problem",
    "MEMBER_LIST_ORDER",
    "member_list",
    "member_search",
    "member_stats",
    "next_counter_value",
    "preview_member_import",
    "summary_errors",
    "read_member_upload",
    "read_table",
    "set_cooperative_logo",
    "update_cooperative",
    "update_member",
]
