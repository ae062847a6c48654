"""The shared SelectField renders exactly what WTForms' own Select widget renders."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, widgets
from wtforms.fields.choices import SelectChoice

from tracker.core.forms import SelectField


class _Both(Form):
    fast = SelectField("单位")
    plain = SelectField("单位", widget=widgets.Select())


CHOICES = [
    [("", "全部单位"), ("1", "市教育局"), ("2", "<b>交通 & 运输</b>"), ("3", '引号"单位')],
    [(1, "一"), (2, "二")],
    [(True, "是"), (False, "否")],
    [SelectChoice("a", "带属性", render_kw={"disabled": True}), SelectChoice("b", "普通")],
    {"组一": [("x", "甲")], "组二": [("y", "乙"), ("z", "丙")]},
]


@pytest.mark.parametrize("choices", CHOICES)
@pytest.mark.parametrize("chosen", ["", "2", "1", "x", "True", "b"])
def test_same_markup_as_wtforms(choices, chosen):
    form = _Both(MultiDict({"fast": chosen, "plain": chosen}))
    for field in (form.fast, form.plain):
        field.choices = choices
    fast = str(form.fast(class_="form-select")).replace('"fast"', '"f"')
    plain = str(form.plain(class_="form-select")).replace('"plain"', '"f"')
    assert fast == plain


def test_labels_and_values_are_escaped():
    form = _Both(MultiDict({"fast": '"><script>'}))
    form.fast.choices = [('"><script>', "<script>alert(1)</script>")]
    html = str(form.fast())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&#34;&gt;&lt;script&gt;"' in html and "selected" in html
