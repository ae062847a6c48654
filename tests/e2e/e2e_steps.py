"""What each role does in the browser, step by step, for the journeys (test_journey_*.py).

A step finds things the way a person does — by visible label, role and name — and waits for
the page its action leads to. ``j.shot(...)`` then checks the page (no horizontal scrolling,
axe-core, no JavaScript errors, no external requests) and keeps a screenshot.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

LEAD_UNIT = "市住房和城乡建设局"
CO_UNIT = "市交通运输局"
SESSION = "市十七届人大四次会议"
DEPUTY = "刘建国"  # the seeded deputy, login "deputy"
PAPER_COSIGNER = "王丽"  # a co-signer without an account: the office enters her paper form


# --- finding things -------------------------------------------------------------------------


def nav(j, text: str | re.Pattern) -> None:
    """Click a link of the main navigation (by its text, exactly, or a pattern); on a phone
    open the collapsed menu first."""
    page = j.page
    bar = page.get_by_role("navigation", name="主导航")
    toggler = bar.get_by_role("button", name="展开导航")
    if toggler.is_visible():
        if toggler.get_attribute("aria-expanded") != "true":
            toggler.click()
        expect(toggler).to_have_attribute("aria-expanded", "true")
    link = bar.get_by_role("link", name=text, exact=isinstance(text, str))
    expect(link).to_be_visible()
    with page.expect_navigation():  # to the link's page, or where it redirects
        link.click()
    page.wait_for_load_state()


def submit(j, button, url: str | re.Pattern | None = None) -> None:
    """Click a submit button and wait for the page the POST/redirect/GET lands on."""
    with j.page.expect_navigation():
        button.click()
    j.page.wait_for_load_state()
    if url is not None:
        expect(j.page).to_have_url(url)


def follow(j, link) -> None:
    """Click a link and wait for the page."""
    with j.page.expect_navigation():
        link.click()
    j.page.wait_for_load_state()


def open_details(scope, summary_text: str):
    """Open a <details> block by the text of its <summary>; returns the <details>."""
    details = scope.locator("details").filter(has=scope.page.locator("summary", has_text=summary_text)).first
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    expect(details).to_have_attribute("open", "")
    return details


def choose(select, text: str) -> None:
    """Select the option whose visible text contains ``text``."""
    labels = [t.strip() for t in select.locator("option").all_inner_texts()]
    matches = [t for t in labels if text in t]
    assert matches, f"no option with {text!r} in {labels}"
    select.select_option(label=matches[0])


def region(j, name: str | re.Pattern):
    """A <section> by the accessible name its heading gives it."""
    return j.page.get_by_role("region", name=name)


def row_with(j, text: str):
    """The table row that contains ``text`` (an item's number or title)."""
    return j.page.get_by_role("row").filter(has_text=text)


def expect_flash(j, text: str | re.Pattern) -> None:
    expect(j.page.get_by_role("alert").filter(has_text=text).first).to_be_visible()


# --- office: register, assign ---------------------------------------------------------------


def office_register(j, *, number: str, title: str) -> str:
    """Register a suggestion from the item list (the lead is the seeded deputy, plus a co-signer
    without an account) and go on to assign it; returns the item page's path."""
    nav(j, "建议提案")
    j.shot("items")
    follow(j, j.page.get_by_role("link", name="登记", exact=True))
    page = j.page
    choose(page.get_by_label("类别"), "人大代表建议")
    choose(page.get_by_label("会次"), SESSION)
    page.get_by_label("案号").fill(number)
    page.get_by_label("标题").fill(title)
    page.get_by_label("内容分类").fill("城乡建设")
    page.get_by_label("内容", exact=True).fill(
        "我市2000年以前建成的老旧小区多为六层以下住宅，没有电梯，老年人上下楼困难。\n"
        "建议：一是简化加装电梯审批流程；二是加大财政补贴；三是统筹解决施工期间的道路占用和交通组织。")
    page.get_by_label("领衔人").fill(DEPUTY)
    page.get_by_label("附议人").first.fill(PAPER_COSIGNER)
    j.shot("register")
    submit(j, page.get_by_role("button", name="登记并交办"), re.compile(r"/items/\d+/assign$"))
    expect_flash(j, f"已登记第 {number} 号")
    return re.sub(r"/assign$", "", page.url.split(j.base, 1)[1])


def office_assign(j) -> None:
    """On the assignment desk: office-supervised, lead 市住建局 + co 市交通局, the five fixes."""
    page = j.page
    j.shot("assign-choose")
    choose(page.get_by_label("办理层级（分级办理）"), "政府办督办")
    page.get_by_label("主办+会办").check()
    choose(page.get_by_label("主办（独办）单位"), LEAD_UNIT)
    page.get_by_role("group", name="会办单位").get_by_label(CO_UNIT).check()
    submit(j, page.get_by_role("button", name="下一步：填写五定"))

    lead = page.get_by_role("group", name=re.compile(LEAD_UNIT))
    lead.get_by_label("办理任务（定任务）").fill("牵头研究简化加装电梯审批和财政补贴办法，汇总会办意见，按期书面答复。")
    lead.get_by_label("责任领导（定责任）").fill("李副局长（分管城建）")
    choose(lead.get_by_label("经办人（定人员）"), "王经办")
    lead.get_by_label("经办人电话").fill("0571-87000001")
    due = lead.get_by_label("答复期限（定时限）")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", due.input_value()), "the rule's reply date is proposed"
    choose(lead.get_by_label("考核办法（定考核办法）"), "主办")
    co = page.get_by_role("group", name=re.compile(CO_UNIT))
    co.get_by_label("办理任务（定任务）").fill("就施工期间道路占用和交通组织提出会办意见，按期送主办单位。")
    co.get_by_label("责任领导（定责任）").fill("孙副局长")
    choose(co.get_by_label("经办人（定人员）"), "赵经办")
    page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
    j.shot("assign-five-fixes", docs="assign")
    submit(j, page.get_by_role("button", name="确认交办"), re.compile(r"/items/\d+$"))
    expect_flash(j, f"已交办：{LEAD_UNIT}、{CO_UNIT}")
    units = region(j, "承办单位与办理期限")
    expect(units.get_by_role("row").filter(has_text=LEAD_UNIT)).to_contain_text("待签收")
    expect(units.get_by_role("row").filter(has_text=CO_UNIT)).to_contain_text("会办")
    j.shot("item-assigned", docs="item")


# --- a unit: inbox, receipt, contact, co opinion, reply -------------------------------------


def unit_sign_from_inbox(j, title: str) -> None:
    """The unit's inbox lists the new item; sign for it there, then open it."""
    expect(j.page).to_have_url(re.compile(r"/inbox"))
    row = row_with(j, title)
    expect(row).to_contain_text("待签收")
    j.shot("inbox")
    submit(j, row.get_by_role("button", name="签收"), re.compile(r"/inbox"))
    expect_flash(j, "已签收")
    expect(row_with(j, title)).to_contain_text("办理中")
    follow(j, row_with(j, title).get_by_role("link", name=title))
    expect(j.page.get_by_role("heading", level=1)).to_have_text(title)


def unit_record_contact(j, unit: str) -> None:
    """Record the first contact (办前沟通, face to face) with the deputy on the item page."""
    card = region(j, re.compile(f"办理情况 · {unit}"))
    form = open_details(card, "登记沟通情况")
    choose(form.get_by_label("沟通阶段"), "办前")
    choose(form.get_by_label("沟通方式"), "见面")
    expect(form.get_by_label("沟通日期")).not_to_have_value("")
    form.get_by_label("参加人员").fill(f"{DEPUTY}代表、王经办")
    form.get_by_label("沟通情况").fill("上门听取刘建国代表意见，介绍加装电梯审批和补贴政策，代表希望年内出台简化办法。")
    j.shot("contact-form")
    submit(j, form.get_by_role("button", name="登记沟通"))
    expect_flash(j, "已登记与代表委员的沟通情况")
    expect(region(j, re.compile(f"办理情况 · {unit}")).get_by_role("row").filter(has_text="办前")).to_contain_text("见面")


def co_submit_opinion(j) -> None:
    """The co unit's opinion form is open on the item page; submit it."""
    card = region(j, re.compile(f"办理情况 · {CO_UNIT}"))
    form = open_details(card, "提交会办意见")
    form.get_by_label("会办意见").fill("同意主办单位意见。施工期间由交警部门会同我局制定临时交通组织方案，占道审批随到随办。")
    j.shot("co-opinion")
    submit(j, form.get_by_role("button", name="提交会办意见"))
    expect_flash(j, "会办意见已提交主办单位")
    mine = region(j, re.compile(f"办理情况 · {CO_UNIT}"))
    expect(mine).to_contain_text("本单位会办意见")
    expect(mine).to_contain_text("占道审批随到随办")


def handler_draft_reply(j) -> None:
    """Draft the reply (the co unit's opinion is shown beside it) and submit it for sign-off."""
    replies = region(j, "答复")
    follow(j, replies.get_by_role("link", name="起草答复"))
    page = j.page
    expect(page.get_by_role("heading", level=1)).to_have_text("起草答复")
    expect(page.get_by_role("complementary")).to_contain_text(CO_UNIT)
    choose(page.get_by_label("分类标识"), "A类")
    page.get_by_label("答复正文").fill(
        "刘建国代表：\n您提出的关于老旧小区加装电梯的建议收悉。经会同市交通运输局研究，答复如下：\n"
        "一、我局已出台加装电梯审批简化办法，实行联合审查、一窗受理；\n"
        "二、市财政对每台电梯补贴20万元；\n三、施工期间的临时交通组织由交通部门统筹。\n感谢您对住房城乡建设工作的关心和支持。")
    page.get_by_label("文号").fill("市住建建〔2026〕18号")
    # a scan over the 20 MB limit is refused in the page, before anything typed could be lost
    files = page.get_by_label("附件")
    files.set_input_files({"name": "扫描件.pdf", "mimeType": "application/pdf",
                           "buffer": b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)})
    too_big = page.get_by_role("alert").filter(has_text="“扫描件.pdf”超过 20 MB，不能上传")
    expect(too_big).to_be_visible()
    page.get_by_role("button", name="保存并提交领导签发").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("起草答复")
    expect(page.get_by_label("文号")).to_have_value("市住建建〔2026〕18号")
    files.set_input_files([])
    expect(too_big).to_be_hidden()
    j.shot("reply-draft")
    submit(j, page.get_by_role("button", name="保存并提交领导签发"), re.compile(r"/items/\d+"))
    expect_flash(j, "答复稿已保存，并提交本单位领导签发")
    expect(region(j, "答复").get_by_role("article")).to_contain_text("待领导签发")


def decide_reply(j, heading: str, *, result_class: str | None = None) -> None:
    """Sign off / co-sign / review the reply on the item page: 同意 and submit."""
    article = region(j, "答复").get_by_role("article").first
    form = article.locator("form.decision-form")
    expect(form.get_by_role("heading", name=heading)).to_be_visible()
    choose(form.get_by_label("处理意见"), "同意")
    if result_class:
        choose(form.get_by_label("调整分类标识"), result_class)
    form.get_by_label("理由（退回时必填）").fill(f"{heading}同意。")
    j.shot(f"reply-{heading}")
    submit(j, form.get_by_role("button", name=f"提交{heading}意见"))


# --- the deputy and the office after the reply ----------------------------------------------


FEEDBACK = {"work": "满意", "result": "基本满意", "adoption": "采纳", "contacted": "是", "method": "见面"}


def fill_feedback(form, ratings: dict) -> None:
    choose(form.get_by_label("对办理工作的评价"), ratings["work"])
    choose(form.get_by_label("对办理结果的评价"), ratings["result"])
    choose(form.get_by_label("采纳情况"), ratings["adoption"])
    choose(form.get_by_label("承办单位是否与您沟通"), ratings["contacted"])
    choose(form.get_by_label("沟通方式"), ratings["method"])


def submitter_feedback(j, title: str) -> None:
    """The deputy finds the item among their own, reads the reply and rates it."""
    expect(j.page).to_have_url(re.compile(r"/my-items"))
    row = row_with(j, title)
    expect(row).to_be_visible()
    j.shot("my-items")
    follow(j, row.get_by_role("link", name=title))
    reply = region(j, "答复").get_by_role("article").first
    expect(reply).to_contain_text("已发送")
    expect(reply).to_contain_text("刘建国代表")
    feedback = region(j, re.compile("征询意见"))
    form = open_details(feedback, "评价本轮答复")
    fill_feedback(form, FEEDBACK)
    form.get_by_label("意见和建议").fill("答复具体，希望尽快落实补贴政策。")
    j.shot("feedback-form")
    submit(j, form.get_by_role("button", name="提交评价"))
    expect_flash(j, "评价已记录")
    expect(region(j, re.compile("征询意见")).get_by_role("row").filter(has_text=DEPUTY)).to_contain_text("满意")
    j.shot("feedback-given")


def office_paper_feedback(j, who: str) -> None:
    """Enter a co-signer's paper feedback form on the item page."""
    feedback = region(j, re.compile("征询意见"))
    form = open_details(feedback, "录入纸质征询意见表")
    choose(form.get_by_label("提出人"), who)
    fill_feedback(form, {**FEEDBACK, "contacted": "否", "method": "（未沟通或不详）"})
    j.shot("paper-feedback")
    submit(j, form.get_by_role("button", name="录入"))
    expect_flash(j, "已录入纸质征询意见")
    expect(region(j, re.compile("征询意见")).get_by_role("row").filter(has_text=who)).to_contain_text("纸质")


def office_close(j) -> None:
    """Close the item out (对账销号); the page asks to confirm."""
    card = region(j, "对账销号")
    expect(card).to_contain_text("销号条件均已满足")
    card.get_by_label("销号说明").fill("已答复，提出人均已反馈满意或基本满意，同意销号。")
    j.page.once("dialog", lambda dialog: dialog.accept())
    submit(j, card.get_by_role("button", name="销号", exact=True))
    expect_flash(j, "已销号")
    expect(region(j, "对账销号")).to_contain_text("已销号")
    j.shot("closed")


def office_export_ledger(j, number: str, folder: Path) -> Path:
    """Open the ledger from the navigation and download the Excel export."""
    nav(j, "台账")
    expect(row_with(j, number).first).to_be_visible()
    j.shot("ledger")
    with j.page.expect_download() as info:
        j.page.get_by_role("link", name="导出 Excel").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    target = folder / download.suggested_filename
    download.save_as(target)
    return target
