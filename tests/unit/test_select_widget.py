"""The shared SelectField renders exactly what WTForms' own Select widget renders."""

from contextlib import nullcontext

import flask
import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, widgets
from wtforms.fields.choices import SelectChoice

from tracker.core.forms import SelectField, options


class _Both(Form):
    fast = SelectField("单位")
    plain = SelectField("单位", widget=widgets.Select())


CHOICES = [
    [("", "全部单位"), ("1", "市教育局"), ("2", "<b>交通 & 运输</b>"), ("3", '引号"单位')],
    [(1, "一"), (2, "二")],
    [(True, "是"), (False, "否")],
    [SelectChoice("a", "带属性", render_kw={"disabled": True}), SelectChoice("b", "普通")],
    {"组一": [("x", "甲")], "组二": [("y", "乙"), ("z", "丙")]},
    # what pages build (options(), SelectChoice with optgroups): the per-request fast path
    options([(1, "市教育局"), (2, "<b>交通 & 运输</b>"), (3, '引号"单位')], blank="全部单位"),
    [SelectChoice("", "请选择经办人"), SelectChoice("1", "王经办", optgroup="市教育局"),
     SelectChoice("2", "李经办", optgroup="市教育局"), SelectChoice("b", "赵<经办>", optgroup='交通"局'),
     SelectChoice("x", "无组"), SelectChoice("y", "再一组", optgroup="市教育局")],
]


@pytest.mark.parametrize("in_request", [False, True])
@pytest.mark.parametrize("choices", CHOICES)
@pytest.mark.parametrize("chosen", ["", "2", "1", "x", "True", "b"])
def test_same_markup_as_wtforms(choices, chosen, in_request):
    """Outside a request the options go through the shortcut of ``render_option``; in a request,
    a list of plain SelectChoice is rendered from the request's cache. The same markup."""
    with flask.Flask(__name__).test_request_context() if in_request else nullcontext():
        for _twice in range(2):  # the second render reads the cache
            form = _Both(MultiDict({"fast": chosen, "plain": chosen}))
            for field in (form.fast, form.plain):
                field.choices = choices
            fast = str(form.fast(class_="form-select")).replace('"fast"', '"f"')
            plain = str(form.plain(class_="form-select")).replace('"plain"', '"f"')
            assert fast == plain


def test_a_shared_choice_list_is_selected_per_field():
    """Several forms of a page offer the same choice objects (the desk's handlers): each select
    marks its own value."""
    shared = options([(1, "甲"), (2, "乙")], blank="请选择")
    with flask.Flask(__name__).test_request_context():
        rendered = []
        for chosen in ("1", "2", ""):
            form = _Both(MultiDict({"fast": chosen}))
            form.fast.choices = shared
            rendered.append(str(form.fast()))
    assert '<option selected value="1">甲</option>' in rendered[0] and 'selected value="2"' not in rendered[0]
    assert '<option selected value="2">乙</option>' in rendered[1] and 'selected value="1"' not in rendered[1]
    assert "selected" not in rendered[2].replace('<option selected value="">', "")


def test_labels_and_values_are_escaped():
    form = _Both(MultiDict({"fast": '"><script>'}))
    form.fast.choices = [('"><script>', "<script>alert(1)</script>")]
    html = str(form.fast())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&#34;&gt;&lt;script&gt;"' in html and "selected" in html
