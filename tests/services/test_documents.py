"""Word documents from the replaceable templates, opened again with python-docx."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest

from tests.docx_text import docx_lines
from tests.ledger_data import TODAY, handled_item, owing_item
from tracker.core.enums import Role
from tracker.core.errors import NotFound, ValidationFailed
from tracker.documents import generate
from tracker.replies.models import Reply


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


text_of = docx_lines  # every paragraph, body and table cells, in order


def test_reply_letter_has_class_mark_title_addressee_body_signer_contact_copy(f):
    h = handled_item()
    document = open_docx(generate.reply_letter_docx(h.reply))
    lines = [line for line in text_of(document) if line.strip()]
    first = document.paragraphs[0]
    assert first.text == "A" and first.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT  # top right
    assert lines[1] == "市民政局"
    assert "民函〔2026〕12号" in lines
    assert "关于市十七届人大四次会议第12号建议的答复" in lines
    assert "王丽、张敏、周斌代表：" in lines
    assert "一、已新建社区养老服务站 3 个。" in lines
    assert "签发人：王局长" in lines
    assert "2026年6月15日" in lines
    assert "（联系人：李经办　联系电话：0571-87001234）" in lines
    assert "抄送：市商务局。" in lines
    assert not any("{{" in line or "{%" in line for line in lines)


def test_reply_letter_to_one_submitter_and_for_a_proposal(f):
    h = handled_item()
    context = generate.reply_letter_context(h.reply, submitter=h.submitters[1])
    assert context["addressee"] == "张敏代表："[:-1]
    assert generate.addressee(["民盟市委会", "王丽"], "proposal") == "民盟市委会、王丽委员"
    assert generate.addressee(["王丽", "张敏"], "proposal") == "王丽、张敏委员"


def test_a_salutation_typed_in_the_reply_is_not_printed_under_the_letters_own(f):
    h = handled_item()
    Reply.update(text="王丽代表：\n一、已新建社区养老服务站 3 个。").where(Reply.id == h.reply.id).execute()
    reply = Reply.get_by_id(h.reply.id)
    lines = [line for line in text_of(open_docx(generate.reply_letter_docx(reply, submitter=h.submitters[1])))
             if line.strip()]
    assert "张敏代表：" in lines and not any(line.startswith("王丽") for line in lines)
    assert "一、已新建社区养老服务站 3 个。" in lines
    names = ["王丽", "民盟市委会"]
    assert generate.letter_body("尊敬的王丽、张敏代表：经研究，答复如下。\n二、", names) == ["经研究，答复如下。", "二、"]
    assert generate.letter_body("民盟市委会、王丽：\n正文", names) == ["正文"]
    # the body's own first line is kept: it greets nobody
    assert generate.letter_body("经研究，现答复如下：\n正文", names) == ["经研究，现答复如下：", "正文"]
    assert generate.letter_body("关于代表建议的办理情况如下：\n正文", names)[0] == "关于代表建议的办理情况如下："


def test_user_text_is_escaped_not_interpreted(f):
    h = handled_item()
    Reply.update(text="<w:p>注入</w:p> & {{ 7*7 }} {% if true %}x{% endif %}").where(Reply.id == h.reply.id).execute()
    lines = text_of(open_docx(generate.reply_letter_docx(Reply.get_by_id(h.reply.id))))
    assert "<w:p>注入</w:p> & {{ 7*7 }} {% if true %}x{% endif %}" in lines


def test_an_unsent_reply_has_no_letter(f):
    h = handled_item()
    Reply.update(status="awaiting_sign_off").where(Reply.id == h.reply.id).execute()
    with pytest.raises(NotFound):
        generate.reply_letter_docx(Reply.get_by_id(h.reply.id))


def test_feedback_form_ticks_the_given_answers(f):
    h = handled_item()
    lines = text_of(open_docx(generate.feedback_form_docx(h.item)))
    assert "建议办理情况征询意见表" in lines
    assert "王丽" in lines and "市民政局" in lines and "2026年6月15日" in lines
    assert "☑满意　□基本满意　□不满意" in lines
    assert "☑采纳　□部分采纳　□近期不能落实　□未采纳" in lines
    assert "☑是　□否" in lines
    blank = text_of(open_docx(generate.feedback_form_docx(h.item, submitter=h.submitters[2])))
    assert "周斌" in blank and "□满意　□基本满意　□不满意" in blank


def test_feedback_form_only_after_the_reply_with_the_windows_last_day(f):
    h = handled_item()  # the lead's A reply sent 2026-06-15
    context = generate.feedback_form_context(h.item)
    assert (context["replied_on"], context["result_class"], context["feedback_due"]) == \
        ("2026年6月15日", "A", "2026年7月7日")
    assert context["note"].startswith("请代表最迟于2026年7月7日填写本表并反馈")
    assert generate.feedback_form_refusal(h.item) is None
    waiting = owing_item(h.session, f.unit("市交通运输局"), number="30", reply_due=dt.date(2026, 6, 2))
    assert generate.feedback_form_refusal(waiting) == "答复尚未发送，暂无征询意见表"
    with pytest.raises(NotFound, match="答复尚未发送，暂无征询意见表"):
        generate.feedback_form_docx(waiting)


def test_assignment_notice_lists_items_units_and_dates(f):
    h = handled_item()
    rows = generate.notice_assignments(h.session.id, dt.date(2026, 3, 2))
    assert [a.id for a in rows] == [h.lead.id, h.co.id]
    document = open_docx(generate.assignment_notice_docx(rows, contact="督查室 张三", on=dt.date(2026, 3, 2)))
    lines = text_of(document)
    assert "关于交办市十七届人大四次会议建议的通知" in lines
    assert "各承办单位：" in lines
    assert "市民政局（主办）、市商务局（会办）" in lines
    assert "2026-03-02" in lines and h.lead.reply_due.isoformat() in lines
    assert "（联系人：督查室 张三）" in lines
    assert len(document.tables[0].rows) == 2  # header + one item
    single = text_of(open_docx(generate.assignment_notice_docx([h.lead])))
    assert "市民政局：" in single


def test_co_opinion_letter_and_urge_notice(f):
    h = handled_item()
    lines = text_of(open_docx(generate.co_opinion_letter_docx(h.co)))
    assert "关于市十七届人大四次会议第12号建议的会办意见" in lines
    assert "市民政局：" in lines and "同意主办单位意见。" in lines and "2026年3月20日" in lines
    with pytest.raises(NotFound):
        generate.co_opinion_letter_docx(h.lead)
    unit = f.unit("市交通运输局")
    late = owing_item(h.session, unit, number="30", reply_due=TODAY - dt.timedelta(days=4))
    urge = text_of(open_docx(generate.urge_notice_docx(late.assignments.get(), today=TODAY)))
    assert "催办通知" in urge and "市交通运输局：" in urge
    assert any("已超过期限4天，尚未答复" in line for line in urge)


@pytest.mark.parametrize("color, label, rgb", [("blue", "蓝单", "0B5ED7"), ("orange", "橙单", "C55A11"),
                                               ("red", "红单", "C00000")])
def test_supervision_notice_in_the_slips_colour(f, color, label, rgb):
    from tracker.reminders.models import Slip

    h = handled_item()
    unit = f.unit("市交通运输局")
    late = owing_item(h.session, unit, number="31", reply_due=TODAY - dt.timedelta(days=10))
    slip = Slip.create(assignment=late.assignments.get(), color=color, issued_on=TODAY,
                       issued_at=dt.datetime(2026, 7, 1, 2, tzinfo=dt.UTC), key=f"s-{color}",
                       reason=f"督办通知（{label}）（自动）")
    document = open_docx(generate.supervision_notice_docx(slip))
    heading = next(p for p in document.paragraphs if p.text == f"督办通知（{label}）")
    [run] = [r for r in heading.runs if r.text]
    assert str(run.font.color.rgb) == rgb and run.font.bold
    lines = text_of(document)
    assert "市交通运输局：" in lines and "10 天" in lines
    assert generate.SLIP_REQUIREMENTS[color] in lines
    assert not any("自动" in line for line in lines)  # an automatic slip's rule name is not in the letter
    manual = Slip.create(assignment=slip.assignment, color=color, issued_on=TODAY, issued_by=f.office(),
                         issued_at=dt.datetime(2026, 7, 1, 3, tzinfo=dt.UTC), reason="请局主要负责同志亲自过问")
    assert "请局主要负责同志亲自过问" in text_of(open_docx(generate.supervision_notice_docx(manual)))


def test_red_slip_names_the_city_leader_it_is_copied_to(f):
    """The red slip goes to the city leader in charge (DOMAIN §10): the item's leading city
    leader, else the unit's 分管市领导; the letter names them instead of "抄送：分管市领导"."""
    from tracker.reminders.models import Slip
    from tracker.units import services as units

    h = handled_item()  # leader-led by 赵市长
    unit = f.unit("市交通运输局")
    late = owing_item(h.session, unit, number="32", reply_due=TODAY - dt.timedelta(days=20))

    def red(a):
        slip = Slip.create(assignment=a, color="red", issued_on=TODAY, key=f"red-{a.id}",
                           issued_at=dt.datetime(2026, 7, 1, 2, tzinfo=dt.UTC), reason="督办通知（红单）（自动）")
        return text_of(open_docx(generate.supervision_notice_docx(slip)))

    lines = red(h.lead)
    assert "抄送：领办市领导赵市长。" in lines
    assert any(line.startswith("已报请领办市领导督办") for line in lines)
    assert "抄送：分管市领导。" in red(late.assignments.get())  # nobody named: the generic words
    deputy_mayor = f.user(Role.LEADER, name="孙副市长")
    units.update_unit(unit, actor=f.user(Role.ADMIN), name=unit.name, short_name=unit.short_name,
                      category=unit.category, active=True, city_leader_id=deputy_mayor.id)
    Slip.delete().execute()
    lines = red(late.assignments.get())
    assert "抄送：分管市领导孙副市长。" in lines and generate.SLIP_REQUIREMENTS["red"] in lines


def test_dispatch_report_from_the_stats_helpers_data(f):
    data = {"title": "第3期调度通报", "subtitle": "市十七届人大四次会议", "date": dt.date(2026, 5, 4),
            "summary": ["共交办 10 件，已答复 6 件。"],
            "units": [{"unit": "市民政局", "assigned": 6, "received": 6, "replied": 5, "overdue": 0,
                       "reply_rate": 5 / 6, "slips": {"blue": 1}},
                      {"unit": "市商务局", "assigned": 4, "received": 3, "replied": 1, "overdue": 2,
                       "reply_rate": 0.25, "slips": "红单 1"}]}
    document = open_docx(generate.render_dispatch_docx(data))
    lines = text_of(document)
    assert "第3期调度通报" in lines and "2026年5月4日" in lines and "共交办 10 件，已答复 6 件。" in lines
    table = document.tables[0]
    assert [c.text for c in table.rows[1].cells] == ["1", "市民政局", "6", "6", "5", "0", "83.3%", "蓝单1"]
    assert [c.text for c in table.rows[2].cells][-2:] == ["25.0%", "红单 1"]


def test_return_and_extension_requests(f):
    from tracker.assignments.models import ExtensionRequest, ReturnRequest

    h = handled_item()
    rr = ReturnRequest.get(ReturnRequest.assignment == h.co.id)
    lines = text_of(open_docx(generate.return_request_docx(rr)))
    assert "关于申请退回市十七届人大四次会议第12号建议的函" in lines and "不属于本单位职责" in lines
    er = ExtensionRequest.create(assignment=h.lead, old_due=dt.date(2026, 6, 2), requested_due=dt.date(2026, 6, 30),
                                 reason="需等待规划批复", requested_at=dt.datetime(2026, 5, 20, 2, tzinfo=dt.UTC),
                                 requested_by=h.handler.id)
    lines = text_of(open_docx(generate.extension_request_docx(er)))
    assert any("申请延期至2026年6月30日答复" in line for line in lines) and "需等待规划批复" in lines


def test_an_office_template_replaces_the_default(f, tmp_path, monkeypatch):
    from docx import Document

    custom = Document()
    custom.add_paragraph("本单位专用版式 {{ title }} 分类：{{ result_class }}")
    custom.save(str(tmp_path / "reply_letter.docx"))
    monkeypatch.setattr(generate, "override_dir", lambda: tmp_path)
    h = handled_item()
    assert generate.template_path("reply_letter") == tmp_path / "reply_letter.docx"
    assert text_of(open_docx(generate.reply_letter_docx(h.reply))) == [
        "本单位专用版式 关于市十七届人大四次会议第12号建议的答复 分类：A"]
    assert generate.template_path("feedback_form") == generate.DEFAULT_DIR / "feedback_form.docx"


def test_a_broken_or_hostile_template_is_refused_in_chinese(f, tmp_path, monkeypatch):
    from docx import Document

    monkeypatch.setattr(generate, "override_dir", lambda: tmp_path)
    h = handled_item()
    broken = Document()
    broken.add_paragraph("{% if %}")
    broken.save(str(tmp_path / "reply_letter.docx"))
    with pytest.raises(ValidationFailed) as exc:
        generate.reply_letter_docx(h.reply)
    assert "文书模板“答复函”（reply_letter.docx）有误" in exc.value.message
    hostile = Document()
    hostile.add_paragraph("{{ title.__class__.__mro__[1].__subclasses__() }}")
    hostile.save(str(tmp_path / "reply_letter.docx"))
    with pytest.raises(ValidationFailed):
        generate.reply_letter_docx(h.reply)


def test_default_templates_are_all_shipped():
    for name in generate.TEMPLATES:
        assert (generate.DEFAULT_DIR / f"{name}.docx").is_file(), name


# --- the download routes and the item page panel ----------------------------------------------


def test_office_downloads_from_the_item_page(f, login_as):
    h = handled_item()
    client = login_as(f.office())
    page = client.get(f"/items/{h.item.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "文书下载" in html
    assert f"/documents/replies/{h.reply.id}/letter.docx" in html
    assert f"/documents/items/{h.item.id}/feedback-form.docx?submitter={h.submitters[0].id}" in html
    assert f"/documents/assignments/{h.lead.id}/notice.docx" in html
    assert f"/documents/assignments/{h.co.id}/co-opinion.docx" in html
    response = client.get(f"/documents/replies/{h.reply.id}/letter.docx")
    assert response.status_code == 200 and response.mimetype == generate.DOCX_MIMETYPE
    assert "关于市十七届人大四次会议第12号建议的答复" in text_of(open_docx(response.get_data()))
    for url in (f"/documents/items/{h.item.id}/feedback-form.docx", f"/documents/assignments/{h.lead.id}/notice.docx",
                f"/documents/assignments/{h.co.id}/co-opinion.docx", f"/documents/assignments/{h.lead.id}/urge.docx",
                f"/documents/assignment-notice.docx?session_id={h.session.id}&date=2026-03-02",
                "/documents/"):
        assert client.get(url).status_code == 200, url


def test_the_submitter_gets_the_letter_and_form_but_others_do_not(f, login_as):
    h = handled_item()
    person = f.person("王丽")
    from tracker.items.models import Submitter

    Submitter.update(person=person.id).where(Submitter.id == h.submitters[0].id).execute()
    submitter = f.user(Role.SUBMITTER, person=person)
    client = login_as(submitter)
    assert client.get(f"/documents/replies/{h.reply.id}/letter.docx").status_code == 200
    assert client.get(f"/documents/items/{h.item.id}/feedback-form.docx").status_code == 200
    assert client.get(f"/documents/assignments/{h.lead.id}/notice.docx").status_code == 404
    assert client.get("/documents/").status_code == 403
    html = client.get(f"/items/{h.item.id}").get_data(as_text=True)
    assert f"feedback-form.docx?submitter={h.submitters[0].id}" in html
    assert f"feedback-form.docx?submitter={h.submitters[1].id}" not in html

    stranger = login_as(f.user(Role.SUBMITTER, person=f.person("路人")))
    assert stranger.get(f"/documents/replies/{h.reply.id}/letter.docx").status_code == 404
    assert stranger.get(f"/documents/items/{h.item.id}/feedback-form.docx").status_code == 404

    other_unit = login_as(f.user(Role.UNIT_HANDLER, f.unit("市无关局")))
    assert other_unit.get(f"/documents/replies/{h.reply.id}/letter.docx").status_code == 404
    assert other_unit.get(f"/documents/assignments/{h.co.id}/co-opinion.docx").status_code == 404
    assert other_unit.get(f"/documents/assignment-notice.docx?session_id={h.session.id}&date=2026-03-02").status_code == 403


def test_units_see_their_own_documents_and_a_draft_has_no_letter(f, login_as):
    h = handled_item()
    lead_client = login_as(h.handler)
    assert lead_client.get(f"/documents/assignments/{h.lead.id}/notice.docx").status_code == 200
    assert lead_client.get(f"/documents/assignments/{h.co.id}/co-opinion.docx").status_code == 200  # the lead reads it
    assert lead_client.get(f"/documents/assignments/{h.co.id}/notice.docx").status_code == 404
    Reply.update(status="awaiting_office_review").where(Reply.id == h.reply.id).execute()
    assert lead_client.get(f"/documents/replies/{h.reply.id}/letter.docx").status_code == 404
    office = login_as(f.office())
    assert office.get(f"/documents/replies/{h.reply.id}/letter.docx").status_code == 404
    assert office.get("/documents/replies/99999/letter.docx").status_code == 404


def test_the_office_desk_offers_the_batch_notice(f, login_as):
    h = handled_item()
    html = login_as(f.office()).get("/desk").get_data(as_text=True)
    assert f"/documents/assignment-notice.docx?session_id={h.session.id}&amp;date=2026-03-02" in html
    assert "市十七届人大四次会议 · 2026-03-02交办（1 件）" in html


def test_the_desk_lists_the_six_latest_assignment_groups_by_day_and_session(f):
    """Groups of (session, day), newest day first and the later session first on a day; only the
    six latest, whatever the number of assignments on earlier days."""
    from tracker.documents.desk import desk_section

    office = f.office()
    npc, cppcc = f.session(name="市十七届人大五次会议"), f.session(body="cppcc", name="市政协十四届五次会议")
    unit = f.unit("市住房和城乡建设局")
    first = dt.date(2026, 3, 2)
    for n in range(7):  # one npc item a day over seven days, two on the last day
        day = first + dt.timedelta(days=n)
        f.assign(f.item(session=npc), unit, assigned_on=day)
        if n == 6:
            f.assign(f.item(session=npc), unit, assigned_on=day)
    f.assign(f.item(session=cppcc), unit, assigned_on=first + dt.timedelta(days=5))
    rows = desk_section(office)["rows"]
    assert [(r["session"], r["day"], r["count"]) for r in rows] == [
        ("市十七届人大五次会议", dt.date(2026, 3, 8), 2),
        (max((npc, cppcc), key=lambda s: s.id).name, dt.date(2026, 3, 7), 1),
        (min((npc, cppcc), key=lambda s: s.id).name, dt.date(2026, 3, 7), 1),
        ("市十七届人大五次会议", dt.date(2026, 3, 6), 1),
        ("市十七届人大五次会议", dt.date(2026, 3, 5), 1),
        ("市十七届人大五次会议", dt.date(2026, 3, 4), 1),
    ]
    assert desk_section(f.user(Role.UNIT_HANDLER, unit)) is None
