"""Form pieces shared by every module.

``SelectField`` renders its options without building an attribute dictionary per option:
WTForms' own widget runs ``html_params`` (sorting, escaping, joining) for each ``<option>``,
which on a filter bar of a few selects with a hundred options (units, sessions) cost about
a millisecond per page. The markup is the same as WTForms' (``<option selected value="…">``);
options with extra attributes (``render_kw``) still go through WTForms.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import Form, SelectMultipleField, widgets
from wtforms import SelectField as _SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta


def options(pairs, *, blank: str | None = None) -> list[SelectChoice]:
    """Select choices from (value, label) pairs, optionally after an empty first choice. Values
    become text, as a form posts them (ids compare with what was chosen as strings)."""
    head = [SelectChoice("", blank)] if blank is not None else []
    return head + [SelectChoice(str(value), text) for value, text in pairs]


class Select(widgets.Select):
    @classmethod
    def render_option(cls, choice, **kwargs):  # type: ignore[override]
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = choice.value
        if isinstance(value, bool):
            value = str(value)
        label = escape(choice.label or choice.value)
        selected = "selected " if choice.selected else ""
        # value and label escaped above (WTForms' own widget builds the same string)
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')  # noqa: S704


class SelectField(_SelectField):
    widget = Select()


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (macro ``checkboxes`` in templates/macros/forms.html renders it)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SubForm(Form):
    """A row inside a page form (``FieldList(FormField(...))``: the five fixes of one unit, a
    commitment, a co-signer, a scorecard criterion). A plain WTForms ``Form`` has no
    translations, so a row's own messages — a date or number that does not parse ("Not a valid
    date value."), a choice not offered — came out in English on Chinese pages. It takes
    WTForms' messages in the page's language, as every ``FlaskForm`` does ("不是有效的日期值。").
    No CSRF token of its own: the page form carries it."""

    class Meta(DefaultMeta):
        def get_translations(self, form):
            from flask import current_app
            from flask_wtf.i18n import translations

            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return translations
