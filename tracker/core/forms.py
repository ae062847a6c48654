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
    def __call__(self, field, **kwargs):
        """WTForms' markup, built faster when the choices are a list of plain ``SelectChoice``
        (no ``render_kw``): each option's markup and coerced value are made once per request and
        reused by every select that offers the same choice object. The office desk has twenty
        return-decision forms, each offering every unit's handlers (2,000 options a page), which
        cost a quarter of the page's time through WTForms' own per-option path."""
        choices = getattr(field, "choices", None)
        cache = _option_cache()
        if (self.multiple or cache is None or not isinstance(choices, list) or not choices
                or not all(type(c) is SelectChoice and not c.render_kw for c in choices)):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        html = [f"<select {widgets.html_params(name=field.name, **kwargs)}>"]
        coerce, data = field.coerce, field.data
        group: object = None
        for choice in choices:
            if choice.optgroup != group:
                if group is not None:
                    html.append("</optgroup>")
                group = choice.optgroup
                if group is not None:
                    opening = cache.get(("optgroup", group))
                    if opening is None:
                        opening = cache[("optgroup", group)] = f"<optgroup {widgets.html_params(label=group)}>"
                    html.append(opening)
            key = (id(choice), coerce)
            cached = cache.get(key)
            if cached is None:
                value = escape(choice.value)
                label = escape(choice.label or choice.value)
                cached = cache[key] = (choice, coerce(choice.value), f'<option value="{value}">{label}</option>',
                                       f'<option selected value="{value}">{label}</option>')
            html.append(cached[3] if cached[1] == data else cached[2])
        if group is not None:
            html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - values and labels escaped above, as WTForms does

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


def _option_cache() -> dict | None:
    """The request's cache of option markup (keyed by the choice object, which it keeps alive so
    its id is not reused; one request has one language), or None outside a request."""
    from flask import has_request_context, request

    if not has_request_context():
        return None
    cache = getattr(request, "_option_markup", None)
    if cache is None:
        cache = request._option_markup = {}
    return cache


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
