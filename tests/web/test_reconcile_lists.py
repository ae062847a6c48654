"""对账 against the NPC/CPPCC office's uploaded .xlsx list: every 案号 the registration takes
is read off the list, only the notes below the data are skipped."""

from __future__ import annotations

import datetime as dt
import io

from tests.xlsx import sheet_bytes
from tracker.replies import closeout
from tracker.supervision import services as supervision


def test_numbers_with_chinese_characters_are_read_off_the_list(f):
    """"建001" is a 案号 the registration takes; the list's rows of such numbers were dropped as if
    they were notes, so the office read "仅本系统有" for items that are on the list (and a list of
    only such numbers was answered "请上传清单或粘贴案号")."""
    office = f.office()
    session = f.session()
    for number in ("建001", "建002", "3"):
        f.item(session=session, number=number)
    data = sheet_bytes([["案号", "标题"], ["建001", "关于甲的建议"], ["建002", "关于乙的建议"], [3, "关于丙的建议"],
                  ["建004", "关于丁的建议"], ["合计 4 件", None], ["制表人：张三", None], ["注：以上为立案建议", None]])
    numbers = closeout.numbers_from_xlsx(data)
    assert numbers == ["建001", "建002", "3", "建004"]
    result = closeout.reconcile(session, numbers, actor=office)
    assert (result.ours, result.theirs, result.both) == (3, 4, 3)
    assert result.only_ours == [] and result.only_theirs == ["建004"]
    assert closeout.numbers_from_xlsx(sheet_bytes([["编号"], ["建001"], ["建002"]])) == ["建001", "建002"]


def test_a_session_of_supervision_documents_reconciles_by_their_document_numbers(f, client, login_as):
    """A list of 三书一函 names each by its 文书编号 ("沪检建〔2026〕3号"); its "案号" column is the court
    case's. The reader took the case codes (or, with no such column, refused the list)."""
    office = f.office()
    session = f.session(body="other", name="2026年三书一函")
    supervision.register_document(
        actor=office, kind="procuratorial_suggestion", session_id=session.id, number="沪检建〔2026〕3号",
        written_due=dt.date(2026, 5, 1), title="关于加强校外培训机构消防安全管理的检察建议",
        issuing_body="市人民检察院", issue_date=dt.date(2026, 2, 27), case_name="某培训机构重大责任事故案",
        case_code="（2025）沪0101刑初123号", sectors="消防安全", content="建议开展专项排查整治。")
    assert closeout.holds_documents(session) and not closeout.holds_documents(f.item().session)
    data = sheet_bytes([["序号", "文书编号", "案号", "制发机关"],
                  [1, "沪检建〔2026〕3号", "（2025）沪0101刑初123号", "市人民检察院"],
                  [2, "沪检建〔2026〕4号", "（2025）沪0101刑初124号", "市人民检察院"],
                  [None, "合计 2 件", None, None]])
    numbers = closeout.numbers_from_xlsx(data, documents=True)
    assert numbers == ["沪检建〔2026〕3号", "沪检建〔2026〕4号"]
    result = closeout.reconcile(session, numbers, actor=office)
    assert result.both == 1 and result.only_ours == [] and result.only_theirs == ["沪检建〔2026〕4号"]

    login_as(office)
    page = client.get(f"/sessions/{session.id}/reconcile").get_data(as_text=True)
    assert "只读取文书编号列" in page
    response = client.post(f"/sessions/{session.id}/reconcile", data={"file": (io.BytesIO(data), "清单.xlsx")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "仅清单有、本系统没有的案号（1）" in page
    assert "沪检建〔2026〕4号" in page and "仅本系统有、清单没有的件（0）" in page


def test_a_pasted_sub_number_of_the_session_is_a_number_not_a_backwards_range(f, client, login_as):
    """"12-1" is a 案号 the registration takes; pasted, it was refused as a range whose start is
    above its end, and item 12-1 read 仅本系统有. A backwards range matching no item is still refused."""
    office = f.office()
    session = f.session()
    for number in ("12", "12-1", "13"):
        f.item(session=session, number=number)
    numbers, problems = closeout.parse_numbers("12\n12-1\n13\n20-18", closeout.session_number_keys(session))
    assert numbers == ["12", "12-1", "13"] and problems == ["第 4 行：范围“20-18”的起号大于止号"]
    login_as(office)
    page = client.post(f"/sessions/{session.id}/reconcile", data={"numbers": "12\n12-1\n13"}).get_data(as_text=True)
    assert "不一致" not in page and "仅本系统有、清单没有的件（0）" in page and "起号大于止号" not in page
