"""Outbox delivery against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import email
import socket
import threading
from email.policy import default as default_policy

import pytest
import time_machine
from aiosmtpd.controller import Controller

from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import Role
from tracker.reminders import delivery
from tracker.reminders import services as reminders
from tracker.reminders.delivery import LoggingSmsGateway, MailSettings, deliver_outbox
from tracker.reminders.models import Notification
from tracker.rules.services import set_setting

BASE = "https://tracker.example.gov.cn"


class Sink:
    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp():
    """Start/stop a real SMTP server on a free port: ``smtp.start()``, ``smtp.stop()``."""

    class Server:
        def __init__(self) -> None:
            self.port = free_port()
            self.sink = Sink()
            self.controller = None

        def start(self):
            self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
            self.controller.start()
            return self

        def stop(self):
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

        def settings(self, **kw) -> MailSettings:
            return MailSettings(
                host="127.0.0.1",
                port=self.port,
                base_url=BASE,
                mail_from="noreply@example.gov.cn",
                timeout=5,
                **kw,
            )

    server = Server()
    yield server
    server.stop()


@pytest.fixture()
def people(f):
    unit = f.unit("市住房和城乡建设局")
    return {
        "li": f.user(Role.UNIT_HANDLER, unit, name="李经办", email="li@example.gov.cn"),
        "wang": f.user(Role.UNIT_LEADER, unit, name="王局长", email="wang@example.gov.cn"),
        "nomail": f.user(Role.UNIT_HANDLER, unit, name="无邮箱"),
    }


def test_mail_is_delivered_once_with_a_link(f, people, smtp):
    smtp.start()
    item = f.item(number="101", title="关于加装电梯的建议")
    reminders.notify(
        [people["li"], people["nomail"]],
        "督办通知（蓝单）：101号 关于加装电梯的建议",
        "答复期限已超期 3 天。",
        item=item,
    )
    assert Notification.get(Notification.user == people["nomail"].id).email_status == "skipped"
    result = deliver_outbox(clock.now(), settings=smtp.settings(), sms=LoggingSmsGateway())
    assert (result.sent, result.messages) == (1, 1)
    [msg] = smtp.sink.messages
    assert msg["Subject"] == "【建议提案办理】督办通知（蓝单）：101号 关于加装电梯的建议"
    assert msg["To"].addresses[0].addr_spec == "li@example.gov.cn"
    body = msg.get_content()
    assert "李经办，您好" in body and "答复期限已超期 3 天。" in body
    assert f"{BASE}/items/{item.id}" in body and f"{BASE}/notifications" in body
    row = Notification.get(Notification.user == people["li"].id)
    assert (row.email_status, row.email_attempts, row.email_error) == ("sent", 1, "")
    assert row.emailed_at is not None
    again = deliver_outbox(clock.now(), settings=smtp.settings())
    assert again.messages == 0 and len(smtp.sink.messages) == 1


def test_every_mail_carries_a_date_header(f, people, smtp):
    """RFC 5322 requires Date:; without it some servers add their own and some filters mark the
    mail as spam. It is the time the message is handed over, in the site's time zone."""
    smtp.start()
    sent_at = dt.datetime(2026, 7, 1, 9, 30, tzinfo=clock.LOCAL_TZ)
    with time_machine.travel(sent_at - dt.timedelta(days=2), tick=False):
        reminders.notify([people["li"]], "催签：108号", "请尽快签收。", item=f.item(number="108"))
    with time_machine.travel(sent_at, tick=False):
        assert deliver_outbox(clock.now(), settings=smtp.settings()).messages == 1
        set_setting("mail_digest", True)
        reminders.notify([people["wang"]], "督办通知：109号")
        assert deliver_outbox(clock.now(), settings=smtp.settings()).messages == 1
    assert len(smtp.sink.messages) == 2
    for msg in smtp.sink.messages:
        assert msg["Date"] is not None, msg["Subject"]
        date = msg["Date"].datetime
        assert date == sent_at and date.utcoffset() == dt.timedelta(hours=8)


def _notice_at(when: dt.datetime, user, title: str) -> Notification:
    with time_machine.travel(when, tick=False):
        reminders.notify([user], title, "……")
    return Notification.get(Notification.title == title)


def test_old_notices_are_not_mailed_when_mail_starts_but_stay_in_app(f, people, smtp):
    """A site that configures SMTP months after going live (or whose mail was down for weeks)
    must not flood inboxes with the backlog: notices older than the cut-off (setting
    ``mail_max_age_days``, 7 days by default) are marked as not mailed, never retried, and stay
    in the notification centre as they were."""
    smtp.start()
    now = dt.datetime(2026, 11, 28, 9, 0, tzinfo=clock.LOCAL_TZ).astimezone(dt.UTC)
    old = _notice_at(now - dt.timedelta(days=120), people["li"], "交办通知：1号")
    week = _notice_at(now - dt.timedelta(days=7, minutes=1), people["wang"], "催签：2号")
    fresh = _notice_at(now - dt.timedelta(days=6, hours=23), people["li"], "答复预警：3号")
    result = deliver_outbox(now, settings=smtp.settings())
    assert [m["Subject"] for m in smtp.sink.messages] == ["【建议提案办理】答复预警：3号"]
    assert (result.sent, result.expired) == (1, 2)
    assert "超过 7 天未补发邮件 2 条" in result.summary()
    for row in (old, week):
        row = Notification.get_by_id(row.id)
        assert (row.email_status, row.email_attempts, row.emailed_at) == ("skipped", 0, None)
        assert "超过 7 天" in row.email_error and row.read_at is None  # still unread in-app
    assert Notification.get_by_id(fresh.id).email_status == "sent"
    assert Notification.select().where(Notification.user == people["li"].id).count() == 2
    again = deliver_outbox(now + dt.timedelta(days=1), settings=smtp.settings())
    assert (again.messages, again.expired) == (0, 0) and len(smtp.sink.messages) == 1


def test_the_mail_cut_off_is_a_setting_and_spares_a_live_claim(people, smtp):
    smtp.start()
    set_setting("mail_max_age_days", 30)
    now = dt.datetime(2026, 11, 28, 9, 0, tzinfo=clock.LOCAL_TZ).astimezone(dt.UTC)
    _notice_at(now - dt.timedelta(days=20), people["li"], "催签：4号")
    _notice_at(now - dt.timedelta(days=40), people["li"], "催签：5号")
    held = _notice_at(now - dt.timedelta(days=40), people["wang"], "催签：6号")
    dead = _notice_at(now - dt.timedelta(days=40), people["wang"], "催签：7号")
    assert delivery._claim(held.id, now)  # another deliverer is sending it right now
    assert delivery._claim(dead.id, now - dt.timedelta(seconds=600))  # its deliverer died long ago
    result = deliver_outbox(now, settings=smtp.settings())
    assert [m["Subject"] for m in smtp.sink.messages] == ["【建议提案办理】催签：4号"]
    assert result.expired == 2  # 5号, and 7号 whose lease ran out; 6号 is the other deliverer's
    statuses = {n.title: n.email_status for n in Notification.select()}
    assert statuses == {"催签：4号": "sent", "催签：5号": "skipped", "催签：6号": "sending", "催签：7号": "skipped"}
    delivery._mark_sent([held.id], now)  # the other deliverer finishes: recorded once, as sent
    assert Notification.get_by_id(held.id).email_status == "sent"


def test_a_digest_leaves_out_notices_past_the_cut_off(people, smtp):
    smtp.start()
    set_setting("mail_digest", True)
    now = dt.datetime(2026, 11, 28, 9, 0, tzinfo=clock.LOCAL_TZ).astimezone(dt.UTC)
    _notice_at(now - dt.timedelta(days=9), people["li"], "催签：8号")
    _notice_at(now - dt.timedelta(hours=20), people["li"], "催签：9号")
    result = deliver_outbox(now, settings=smtp.settings())
    assert (result.messages, result.sent, result.expired) == (1, 1, 1)
    body = smtp.sink.messages[0].get_content()
    assert "催签：9号" in body and "催签：8号" not in body


def test_server_down_then_up_retries_with_backoff_and_delivers_once(people, smtp):
    reminders.notify([people["li"]], "催签：102号", "请尽快签收。")
    t0 = clock.now()
    first = deliver_outbox(t0, settings=smtp.settings())  # nobody listens on the port yet
    assert (first.retried, first.sent) == (1, 0)
    row = Notification.get()
    assert row.email_status == "pending" and row.email_attempts == 1
    assert row.email_next_at == t0 + dt.timedelta(seconds=60)
    assert "ConnectionRefusedError" in row.email_error
    # inside the back-off nothing is attempted
    assert deliver_outbox(t0 + dt.timedelta(seconds=30), settings=smtp.settings()).retried == 0
    assert Notification.get().email_attempts == 1
    t1 = t0 + dt.timedelta(seconds=61)
    deliver_outbox(t1, settings=smtp.settings())
    row = Notification.get()
    assert row.email_attempts == 2 and row.email_next_at == t1 + dt.timedelta(seconds=120)
    smtp.start()
    assert deliver_outbox(t1 + dt.timedelta(seconds=60), settings=smtp.settings()).sent == 0  # still waiting
    done = deliver_outbox(t1 + dt.timedelta(seconds=121), settings=smtp.settings())
    assert done.sent == 1
    row = Notification.get()
    assert (row.email_status, row.email_attempts, row.email_error) == ("sent", 3, "")
    deliver_outbox(t1 + dt.timedelta(hours=1), settings=smtp.settings())
    assert len(smtp.sink.messages) == 1


def test_gives_up_after_the_maximum_attempts(people, smtp):
    reminders.notify([people["li"]], "催签：103号")
    now = clock.now()
    for _ in range(3):
        deliver_outbox(now, settings=smtp.settings(max_attempts=3))
        now += dt.timedelta(hours=7)
    row = Notification.get()
    assert (row.email_status, row.email_attempts, row.email_next_at) == ("failed", 3, None)
    assert "ConnectionRefusedError" in row.email_error


def test_backoff_grows_exponentially_and_is_capped():
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert delivery.backoff(30).total_seconds() == 6 * 3600


def test_daily_digest_bundles_one_message_per_person_per_day(f, people, smtp):
    smtp.start()
    set_setting("mail_digest", True)
    items = [f.item(number=str(200 + i), title=f"第{i}件建议") for i in range(3)]
    with time_machine.travel(dt.datetime(2026, 7, 1, 6, 30, tzinfo=clock.LOCAL_TZ), tick=False):
        for it in items:
            reminders.notify([people["li"]], f"答复预警：{it.number}号 {it.title}", "还有 5 天。", item=it)
        reminders.notify([people["wang"]], "督办通知：200号")
    early = dt.datetime(2026, 7, 1, 7, 0, tzinfo=clock.LOCAL_TZ).astimezone(dt.UTC)
    held = deliver_outbox(early, settings=smtp.settings())
    assert held.messages == 0 and held.postponed == 4  # before the digest hour (08:00)
    nine = dt.datetime(2026, 7, 1, 9, 0, tzinfo=clock.LOCAL_TZ).astimezone(dt.UTC)
    result = deliver_outbox(nine, settings=smtp.settings())
    assert (result.messages, result.sent) == (2, 4)
    li = next(m for m in smtp.sink.messages if m["To"].addresses[0].addr_spec == "li@example.gov.cn")
    assert li["Subject"] == "【建议提案办理】2026-07-01 每日汇总（3 条）"
    body = li.get_content()
    for it in items:
        assert f"{it.number}号 {it.title}" in body and f"{BASE}/items/{it.id}" in body
    # a later notice the same day waits for tomorrow's digest
    later = nine + dt.timedelta(hours=3)
    with time_machine.travel(later - dt.timedelta(minutes=5), tick=False):
        reminders.notify([people["li"]], "催签：300号")
    assert deliver_outbox(later, settings=smtp.settings()).postponed == 1
    waiting = Notification.get(Notification.title == "催签：300号")
    assert waiting.email_status == "pending"
    assert clock.to_local(waiting.email_next_at) == dt.datetime(2026, 7, 2, 8, 0, tzinfo=clock.LOCAL_TZ)
    assert deliver_outbox(later + dt.timedelta(hours=1), settings=smtp.settings()).messages == 0
    tomorrow = dt.datetime(2026, 7, 2, 8, 30, tzinfo=clock.LOCAL_TZ).astimezone(dt.UTC)
    assert deliver_outbox(tomorrow, settings=smtp.settings()).messages == 1
    assert len(smtp.sink.messages) == 3


def test_two_deliverers_never_send_the_same_row(app, people, smtp):
    smtp.start()
    for n in range(30):
        reminders.notify([people["li"]], f"消息 {n}")
    db.close()
    now = clock.now()
    barrier = threading.Barrier(3)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                results.append(deliver_outbox(now, settings=smtp.settings()))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.connect(reuse_if_open=True)
    assert not errors, errors
    subjects = [m["Subject"] for m in smtp.sink.messages]
    assert len(subjects) == 30 and len(set(subjects)) == 30
    assert sum(r.sent for r in results) == 30
    assert Notification.select().where(Notification.email_status == "sent").count() == 30


def test_a_crashed_claim_is_taken_again_after_its_lease(people, smtp):
    smtp.start()
    reminders.notify([people["li"]], "催签：104号")
    row = Notification.get()
    now = clock.now()
    assert delivery._claim(row.id, now)  # a deliverer took it, then died
    assert not delivery._claim(row.id, now)
    assert deliver_outbox(now + dt.timedelta(seconds=60), settings=smtp.settings()).sent == 0
    assert deliver_outbox(now + dt.timedelta(seconds=301), settings=smtp.settings()).sent == 1


def test_without_an_smtp_host_mail_is_skipped(people):
    reminders.notify([people["li"]], "催签：105号")
    result = deliver_outbox(clock.now(), settings=MailSettings(host=""))
    assert result.skipped == 1
    row = Notification.get()
    assert row.email_status == "skipped" and "SMTP_HOST" in row.email_error


def test_slips_go_out_as_text_messages_through_the_gateway(people, app, monkeypatch):
    reminders.notify([people["li"], people["nomail"]], "红单：101号", kind="slip")
    reminders.notify([people["li"]], "一般消息")
    gateway = LoggingSmsGateway()
    result = deliver_outbox(clock.now(), settings=MailSettings(host=""), sms=gateway)
    assert result.sms_sent == 2
    assert gateway.sent == [("13800000000", "【建议提案办理】红单：101号")] * 2
    statuses = {n.title: n.sms_status for n in Notification.select()}
    assert statuses == {"红单：101号": "sent", "一般消息": ""}
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "logging")
    assert isinstance(delivery.sms_gateway_from_config(app.config), LoggingSmsGateway)
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "")
    assert delivery.sms_gateway_from_config(app.config) is None


def test_failing_gateway_is_recorded(people):
    class Broken:
        def send(self, phone, text):
            raise ConnectionError("网关不可用")

    reminders.notify([people["li"]], "红单：106号", kind="slip")
    result = deliver_outbox(clock.now(), settings=MailSettings(host=""), sms=Broken())
    assert result.sms_failed == 1 and Notification.get().sms_status == "failed"


def test_cli_deliver(people, smtp, app, runner, monkeypatch):
    smtp.start()
    reminders.notify([people["li"]], "催签：107号")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp.port)
    db.close()
    with time_machine.travel(clock.now() - dt.timedelta(days=30), tick=False):
        reminders.notify([people["li"]], "交办通知：110号")
    result = runner.invoke(args=["reminders", "deliver"])
    assert result.exit_code == 0, result.output
    assert "发送 1 封" in result.output and "超过 7 天未补发邮件 1 条" in result.output
    assert len(smtp.sink.messages) == 1
