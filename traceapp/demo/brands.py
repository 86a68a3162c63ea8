"""Demo collective marks of the three Phú Yên cooperatives, with their rules of use."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from traceapp.auth.models import SYSTEM
from traceapp.brands import services
from traceapp.brands.models import CollectiveMark, MarkStatus
from traceapp.extensions import db

# Certificates are issued by the IP Office of Viet Nam (Cục Sở hữu trí tuệ); the numbers and
# dates here are realistic in form but invented.
MARKS: dict[str, dict[str, Any]] = {
    "XP": {
        "name": "Đậu phộng Xuân Phước",
        "certificate_number": "4-0285634-000",
        "certificate_date": dt.date(2019, 8, 12),
        "valid_until": dt.date(2027, 10, 5),
        "product_scope": "Nhóm 29: đậu phộng (lạc) rang, đậu phộng nhân đã sơ chế. "
        "Nhóm 31: đậu phộng (lạc) vỏ, đậu phộng giống.",
        "geographic_scope": "Xã Xuân Phước và các xã Xuân Quang 1, Xuân Quang 2, Phú Mỡ, "
        "huyện Đồng Xuân, tỉnh Phú Yên.",
        "founding_basis": "Giấy chứng nhận đăng ký hợp tác xã số 4407A0012 do Phòng Tài chính – "
        "Kế hoạch huyện Đồng Xuân cấp; Điều lệ hợp tác xã được Đại hội thành "
        "viên thông qua.",
        "membership_criteria": "Hộ gia đình, cá nhân trồng đậu phộng trên địa bàn xã Xuân "
        "Phước và các xã lân cận; tự nguyện gia nhập, góp vốn theo Điều "
        "lệ và cam kết sản xuất theo quy trình kỹ thuật của hợp tác xã.",
        "conditions_of_use": "Chỉ thành viên được hợp tác xã cấp quyền sử dụng bằng văn bản mới "
        "được gắn nhãn hiệu, và chỉ cho các sản phẩm ghi trong văn bản đó. "
        "Đậu phộng phải được trồng trên vùng trồng đã được cấp mã số, thu "
        "hoạch đúng độ chín, phơi sấy đạt độ ẩm dưới 9%. Nhãn hiệu được in "
        "đúng mẫu đã đăng ký, kèm mã truy xuất nguồn gốc của lô hàng.",
        "violation_measures": "Lần đầu: nhắc nhở bằng văn bản. Tái phạm: tạm đình chỉ quyền sử "
        "dụng nhãn hiệu từ 3 đến 6 tháng. Vi phạm nghiêm trọng (pha trộn "
        "đậu phộng ngoài vùng, giả mạo tem): thu hồi quyền sử dụng và "
        "thông báo cho cơ quan quản lý thị trường.",
        "rules_adopted_on": dt.date(2017, 9, 20),
    },
    "SC": {
        "name": "Tôm hùm Sông Cầu",
        "certificate_number": "4-0312876-000",
        "certificate_date": dt.date(2019, 5, 20),
        "valid_until": dt.date(2028, 11, 14),
        "product_scope": "Nhóm 29: tôm hùm ướp lạnh, đông lạnh. Nhóm 31: tôm hùm xanh, tôm "
        "hùm bông, tôm hùm sỏi còn sống.",
        "geographic_scope": "Vịnh Xuân Đài và đầm Cù Mông, thị xã Sông Cầu, tỉnh Phú Yên.",
        "founding_basis": "Giấy chứng nhận đăng ký hợp tác xã số 4407B0045 do Phòng Kinh tế "
        "thị xã Sông Cầu cấp; Điều lệ hợp tác xã.",
        "membership_criteria": "Hộ nuôi tôm hùm lồng có lồng bè được cấp phép trong vịnh Xuân "
        "Đài hoặc đầm Cù Mông, tự nguyện gia nhập và tuân thủ Điều lệ.",
        "conditions_of_use": "Chỉ gắn nhãn hiệu cho tôm hùm nuôi tại cơ sở đã được cấp mã số, đạt "
        "kích cỡ thương phẩm (từ 0,5 kg/con với tôm hùm bông), không dùng "
        "kháng sinh cấm, và do thành viên đang có quyền sử dụng giao nộp.",
        "violation_measures": "Nhắc nhở; tạm đình chỉ quyền sử dụng; thu hồi quyền sử dụng và "
        "khai trừ khỏi hợp tác xã nếu tái phạm nhiều lần.",
        "rules_adopted_on": dt.date(2017, 4, 3),
    },
    "CN": {
        "name": "Cá ngừ đại dương Phú Yên",
        "certificate_number": "4-0401127-000",
        "certificate_date": dt.date(2021, 9, 27),
        "valid_until": dt.date(2030, 3, 2),
        "product_scope": "Nhóm 29: cá ngừ vây vàng, cá ngừ mắt to tươi, ướp đá, đông lạnh, "
        "phi lê và đóng hộp.",
        "geographic_scope": "Vùng biển khơi tỉnh Phú Yên; cá cập cảng cá Phú Lạc hoặc Đông "
        "Tác, thành phố Tuy Hòa.",
        "founding_basis": "Giấy chứng nhận đăng ký hợp tác xã số 4407C0078 do Phòng Tài chính – "
        "Kế hoạch thành phố Tuy Hòa cấp; Điều lệ hợp tác xã.",
        "membership_criteria": "Chủ tàu cá có giấy phép khai thác thủy sản còn hiệu lực, đăng ký "
        "tại tỉnh Phú Yên, lắp thiết bị giám sát hành trình; thuyền viên "
        "và cơ sở sơ chế ký hợp đồng với hợp tác xã.",
        "conditions_of_use": "Chỉ gắn nhãn hiệu cho cá ngừ câu tay, bảo quản lạnh đúng quy trình "
        "trên tàu của thành viên có quyền sử dụng, có nhật ký khai thác và "
        "giấy xác nhận nguồn gốc thủy sản khai thác.",
        "violation_measures": "Tạm đình chỉ quyền sử dụng khi thiếu nhật ký khai thác; thu hồi "
        "quyền sử dụng khi khai thác bất hợp pháp (IUU) hoặc gắn nhãn cho "
        "cá không do tàu thành viên đánh bắt.",
        "rules_adopted_on": dt.date(2019, 12, 16),
    },
}


def load(ctx: dict[str, Any]) -> None:
    """One registered mark per cooperative; ``ctx["marks"]`` maps short code to mark."""
    marks: dict[str, CollectiveMark] = {}
    for code, data in MARKS.items():
        coop = ctx["coops"][code]
        mark = db.session.execute(
            sa.select(CollectiveMark).where(
                CollectiveMark.cooperative_id == coop.id, CollectiveMark.name == data["name"]
            )
        ).scalar_one_or_none()
        if mark is None:
            mark = services.create_mark(
                SYSTEM,
                coop.id,
                status=MarkStatus.REGISTERED,
                owner_name=coop.name,
                owner_address=coop.address,
                **data,
            )
        marks[code] = mark
    ctx["marks"] = marks
