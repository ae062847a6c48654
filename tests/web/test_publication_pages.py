"""公开 on the item page and through the API: the sent reply shows its publication deadline, the
answering unit records the day it was published; a bad date comes back with the message and
what was typed; other units cannot."""

from __future__ import annotations

import datetime as dt
import re

from tests.closeout_support import replied_item
from tracker.core import clock
from tracker.core.enums import Role
from tracker.replies.models import Reply


def _reply(s) -> Reply:
    return Reply.get(Reply.assignment == s.assignment.id)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_unit_records_the_publication_on_the_item_page(f, client, login_as):
    s = replied_item()
    reply = _reply(s)
    login_as(s.handler)
    page = client.get(f"/items/{s.item.id}")
    text = _text(page)
    assert "待公开" in text and "期限" in text
    assert f'action="/replies/{reply.id}/publication"' in page.get_data(as_text=True)

    day = clock.today()
    response = client.post(f"/replies/{reply.id}/publication",
                           data={f"pub{reply.id}-published_on": day.isoformat(),
                                 f"pub{reply.id}-version": str(reply.version),
                                 "next": f"/items/{s.item.id}#reply-{reply.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#reply-{reply.id}")
    assert _reply(s).published_on == day
    text = _text(client.get(f"/items/{s.item.id}"))
    assert "已登记公开日期" in text and f"已于 {day.isoformat()} 公开" in text


def test_a_bad_date_is_refused_with_the_typed_value_kept(f, client, login_as):
    s = replied_item()
    reply = _reply(s)
    login_as(s.handler)
    future = (clock.today() + dt.timedelta(days=3)).isoformat()
    response = client.post(f"/replies/{reply.id}/publication",
                           data={f"pub{reply.id}-published_on": future, f"pub{reply.id}-version": str(reply.version)})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "公开日期不能晚于今天" in body
    assert f'value="{future}"' in body
    assert _reply(s).published_on is None


def test_another_units_handler_cannot_record_it(f, client, login_as):
    s = replied_item()
    reply = _reply(s)
    login_as(f.user(Role.UNIT_HANDLER, f.unit()))
    response = client.post(f"/replies/{reply.id}/publication",
                           data={f"pub{reply.id}-published_on": clock.today().isoformat()})
    assert response.status_code == 404  # the reply of another unit is not even visible
    assert _reply(s).published_on is None


def test_the_submitter_sees_the_state_but_no_form(f, client, login_as):
    s = replied_item()
    reply = _reply(s)
    login_as(s.people["张代表"][1])
    page = client.get(f"/items/{s.item.id}")
    assert page.status_code == 200
    assert "待公开" in _text(page)
    assert f"/replies/{reply.id}/publication" not in page.get_data(as_text=True)
    response = client.post(f"/replies/{reply.id}/publication",
                           data={f"pub{reply.id}-published_on": clock.today().isoformat()})
    assert response.status_code == 403
    assert _reply(s).published_on is None


def test_the_api_records_the_publication(f, api):
    s = replied_item()
    reply = _reply(s)
    got = api(s.handler).get(f"/replies/{reply.id}").get_json()
    assert got["published_on"] is None and got["publication_due"] > clock.today().isoformat()

    bad = api(s.handler).post(f"/replies/{reply.id}/publication", json={"published_on": "2026/01/05"})
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"] == {"published_on": "日期格式应为 YYYY-MM-DD"}
    assert api(s.people["张代表"][1]).post(f"/replies/{reply.id}/publication",
                                          json={"published_on": clock.today().isoformat()}).status_code == 403
    ok = api(s.handler).post(f"/replies/{reply.id}/publication", json={"published_on": clock.today().isoformat()})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["published_on"] == clock.today().isoformat()
    stale = api(s.office).post(f"/replies/{reply.id}/publication",
                               json={"published_on": clock.today().isoformat(), "version": reply.version})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
