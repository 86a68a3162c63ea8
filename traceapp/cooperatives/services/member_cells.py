"""What the headings and cells of a member file may say (Vietnamese or English), read into
field values."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from traceapp.cooperatives.models import (
    Gender,
    MemberRole,
)
from traceapp.core.inputs import NOT_TEXT_MESSAGE, is_digits, is_text

if TYPE_CHECKING:
    pass


#: Accepted column headings (lower-cased, accents kept) for each member field.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "member_number": (
        "member_number",
        "member number",
        "mã hội viên",
        "mã thành viên",
        "số thẻ",
        "ma hoi vien",
        "stt",
    ),
    "full_name": ("full_name", "full name", "name", "họ và tên", "họ tên", "ho va ten", "ho ten"),
    "gender": ("gender", "sex", "giới tính", "gioi tinh"),
    "birth_year": ("birth_year", "birth year", "năm sinh", "nam sinh"),
    "village": ("village", "thôn", "thôn/xóm", "xóm", "thon", "ấp"),
    "commune": ("commune", "xã", "xa", "xã/phường"),
    "phone": ("phone", "điện thoại", "số điện thoại", "sđt", "dien thoai", "so dien thoai"),
    "role": ("role", "vai trò", "vai tro"),
    "vessel_registration": (
        "vessel_registration",
        "vessel registration",
        "số đăng ký tàu",
        "số hiệu tàu",
        "so dang ky tau",
    ),
    "vessel_name": ("vessel_name", "vessel name", "tên tàu", "ten tau"),
    "flag_state": ("flag_state", "flag state", "quốc tịch tàu"),
    "imo_number": ("imo_number", "imo", "imo number", "số imo"),
    "joined_on": ("joined_on", "joined", "ngày vào", "ngày gia nhập", "ngay gia nhap"),
    "left_on": ("left_on", "left", "ngày ra", "ngày rời", "ngay roi"),
    "public_name_consent": (
        "public_name_consent",
        "consent",
        "đồng ý công khai tên",
        "công khai tên",
        "dong y cong khai",
    ),
    "notes": ("notes", "ghi chú", "ghi chu"),
}


_GENDER_WORDS = {
    "female": Gender.FEMALE,
    "f": Gender.FEMALE,
    "nữ": Gender.FEMALE,
    "nu": Gender.FEMALE,
    "woman": Gender.FEMALE,
    "male": Gender.MALE,
    "m": Gender.MALE,
    "nam": Gender.MALE,
    "man": Gender.MALE,
    "other": Gender.OTHER,
    "khác": Gender.OTHER,
    "": Gender.UNSPECIFIED,
}


_ROLE_WORDS = {
    "hộ gia đình": MemberRole.HOUSEHOLD,
    "hộ": MemberRole.HOUSEHOLD,
    "chủ tàu": MemberRole.VESSEL_OWNER,
    "ngư dân": MemberRole.FISHER,
    "nông dân": MemberRole.FARMER,
    "chế biến": MemberRole.PROCESSOR,
    "khác": MemberRole.OTHER,
}


_YES = {"1", "yes", "y", "true", "có", "co", "x", "đồng ý", "dong y"}


_NO = {"0", "no", "n", "false", "không", "khong", ""}


def _parse_date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    # TRANSLATORS: the two dates show the formats a file may use: keep them as they are.
    raise ValueError(_("Write dates as 2024-03-31 or 31/03/2024."))


def parse_cell(key: str, text: str) -> Any:
    """A member field's value from a cell's text; ValueError says what is wrong with it."""
    text = text.strip()
    if not is_text(text):  # a CSV may hold NUL bytes, which no text column takes
        raise ValueError(str(NOT_TEXT_MESSAGE))
    if key == "gender":
        word = text.lower()
        if word in _GENDER_WORDS:
            return _GENDER_WORDS[word]
        # TRANSLATORS: Nam/Nữ and male/female are the words the file may hold: keep them.
        raise ValueError(_("Write Nam/Nữ (or male/female)."))
    if key == "role":
        word = text.lower()
        if not word:
            return MemberRole.HOUSEHOLD
        if word in _ROLE_WORDS:
            return _ROLE_WORDS[word]
        try:
            return MemberRole(word.replace(" ", "_"))
        except ValueError:
            raise ValueError(_("Unknown role.")) from None
    if key == "public_name_consent":
        word = text.lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
        # TRANSLATORS: yes/no and có/không are the words the file may hold: keep them.
        raise ValueError(_("Write yes/no (có/không)."))
    if not text:
        return None
    if key == "birth_year":
        if not is_digits(text) or len(text) != 4:
            raise ValueError(_("Write the year as four digits."))
        return int(text)
    if key in ("joined_on", "left_on"):
        return _parse_date(text)
    return text
