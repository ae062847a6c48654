"""Charts as SVG rendered on the server with pygal: embedded inline, no CDN, no JavaScript.

pygal's SVG normally carries an inline ``<script>`` (pointing at a CDN when ``js`` is not
emptied), an inline ``<style>`` and comments with URLs. The Content-Security-Policy forbids
inline scripts and styles, so :func:`_clean` removes them (and the namespace URLs, the
JavaScript-only tooltip layer and the duplicated ids); the chart CSS is served once, from our
own origin, by the ``stats.chart_css`` route (:func:`stylesheet`). The SVG has a ``viewBox``
and no fixed size, so it scales to the width of its container (readable on a phone).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
from collections.abc import Sequence

import pygal
from flask_babel import gettext, pgettext
from lxml import etree
from markupsafe import Markup
from pygal.style import Style

from tracker.core.i18n import N_

# pygal appends a legacy ``sys.meta_path`` hook (for its map plugins, unused here) that has no
# ``find_spec``: every later ``importlib.util.find_spec`` of a missing module would then warn
# (ImportWarning). Take it out again.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

FONT = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif'
_COMMON_STYLE = {
    "font_family": FONT,
    "background": "transparent",
    "plot_background": "#ffffff",
    "foreground": "#212529",
    "foreground_strong": "#212529",
    "foreground_subtle": "#6c757d",
    "opacity": ".85",
    "opacity_hover": ".95",
    "title_font_size": 18,
    "label_font_size": 15,
    "major_label_font_size": 15,
    "legend_font_size": 15,
    "value_font_size": 14,
    "value_label_font_size": 14,
    "no_data_font_size": 20,
}
# One stylesheet per palette; a chart names its palette in its classes.
STYLES: dict[str, Style] = {
    "pg-main": Style(colors=("#9e1b1b", "#0b5ed7", "#b35900", "#198754", "#6f42c1", "#495057"),
                     **_COMMON_STYLE),
    # class distribution: A solved (green), B in plan (blue), C not now (amber), D reference (grey)
    "pg-classes": Style(colors=("#198754", "#0b5ed7", "#b35900", "#6c757d"), **_COMMON_STYLE),
}

BASE_CONFIG = {
    "js": [],
    "disable_xml_declaration": True,
    "no_prefix": True,
    "explicit_size": False,
    "show_y_guides": True,
    "print_values": True,
    "legend_at_bottom": True,
    "legend_at_bottom_columns": 2,
    "margin": 12,
    "no_data_text": N_("暂无数据"),  # translated in _config
    "truncate_label": -1,
    "truncate_legend": -1,
    "print_zeroes": False,
}


def _config(palette: str, **extra) -> dict:
    no_data = BASE_CONFIG["no_data_text"]
    return {**BASE_CONFIG, "no_data_text": gettext(no_data), "style": STYLES[palette],
            "classes": ["pygal-chart", palette], **extra}


def _clean(svg: str, title: str) -> Markup:
    """Strip what a strict CSP (and valid HTML) would refuse; keep the drawing."""
    root = etree.fromstring(svg.encode("utf-8"))
    for node in list(root.iter(etree.Comment)):
        node.getparent().remove(node)
    for node in list(root.iter()):
        if not isinstance(node.tag, str):
            continue
        local = etree.QName(node).localname
        if local in ("script", "style"):
            node.getparent().remove(node)
            continue
        if local == "g" and "tooltip-overlay" in (node.get("class") or ""):
            node.getparent().remove(node)
            continue
        for attr in ("style", "id"):
            if attr in node.attrib:
                del node.attrib[attr]
    root.set("role", "img")
    root.set("aria-label", title)
    if not any(isinstance(n.tag, str) and etree.QName(n).localname == "title" for n in root):
        label = etree.Element(etree.QName(root, "title").text)
        label.text = title
        root.insert(0, label)
    text = etree.tostring(root, encoding="unicode")
    # Inline SVG in HTML needs no namespace declarations (and must not name any URL).
    text = re.sub(r'\s+xmlns(?::\w+)?="[^"]*"', "", text)
    text = text.replace("<defs/>", "")
    # Serialised by lxml: every text and attribute value (unit names ...) is escaped.
    return Markup(text)  # noqa: S704


def _int_labels(maximum: int) -> list[int]:
    """Whole-number y-axis labels (counts are never 0.5)."""
    top = max(1, maximum)
    step = max(1, -(-top // 5))
    return list(range(0, top + step + 1, step))


def _cjk_extra(labels: Sequence[str], font_size: int) -> int:
    """pygal sizes label room for Latin glyphs (about 0.6 em); a CJK glyph is a full em."""
    widest = max((sum(1 for ch in text if ord(ch) > 0x2E80) for text in labels), default=0)
    return int(widest * font_size * 0.45)


def overdue_bar(rows: Sequence[tuple[str, int, int]], *, title: str | None = None) -> Markup:
    """Horizontal bars: overdue replies and overdue co opinions per unit (the card names the chart,
    the SVG carries the title for screen readers)."""
    title = title or gettext("各单位超期件数")
    height = max(180, 80 + 36 * len(rows))
    labels = [name for name, _a, _c in rows]
    chart = pygal.HorizontalStackedBar(**_config(
        "pg-main", width=480, height=height, margin_left=12 + _cjk_extra(labels, 14)))
    chart.x_labels = labels
    if rows:
        chart.y_labels = _int_labels(max(a + c for _n, a, c in rows))
    chart.add(gettext("答复超期"), [a or None for _n, a, _c in rows])
    chart.add(gettext("会办意见超期"), [c or None for _n, _a, c in rows])
    return _clean(chart.render(is_unicode=True), title)


def class_pie(class_counts: dict[str, int], *, labels: dict[str, str] | None = None,
              title: str | None = None) -> Markup:
    title = title or gettext("答复分类分布")
    labels = labels or {}
    chart = pygal.Pie(**_config("pg-classes", width=420, height=380, inner_radius=.35, print_values=True))
    total = sum(class_counts.values())
    for key, count in class_counts.items():
        share = f"{count / total:.0%}" if total else "0%"
        chart.add(gettext("%(label)s：%(n)s 件（%(share)s）", label=labels.get(key, key), n=count, share=share),
                  [{"value": count or None, "label": labels.get(key, key)}])
    return _clean(chart.render(is_unicode=True), title)


def trend_line(points: Sequence[tuple[dt.date, int, int]], granularity: str = "week", *,
               title: str | None = None) -> Markup:
    """Assignments made and replies sent per week or month."""
    title = title or (gettext("每周交办与答复件数") if granularity == "week" else gettext("每月交办与答复件数"))
    chart = pygal.Line(**_config("pg-main", width=480, height=300, dots_size=4,
                                 x_label_rotation=0, show_minor_x_labels=False,
                                 x_labels_major_every=3 if granularity == "week" else 2,
                                 print_values=False))
    if granularity == "week":
        chart.x_labels = [f"{start.month}/{start.day}" for start, _a, _r in points]
    else:
        chart.x_labels = [f"{start.year}-{start.month:02d}" for start, _a, _r in points]
    chart.y_labels = _int_labels(max([max(a, r) for _s, a, r in points] or [0]))
    chart.add(pgettext("chart", "交办"), [a for _s, a, _r in points])
    chart.add(pgettext("chart", "答复"), [r for _s, _a, r in points])
    return _clean(chart.render(is_unicode=True), title)


def _prefix_css(css: str, scope: str) -> str:
    """Scope every rule of pygal's stylesheet to ``scope`` (so it never touches the page)."""
    out = []
    for selectors, body in re.findall(r"([^{}]*)\{([^{}]*)\}", css):
        scoped = []
        for sel in selectors.split(","):
            sel = sel.strip()
            scoped.append(scope if not sel else f"{scope} {sel}")
        out.append(",".join(scoped) + "{" + body + "}")
    return "\n".join(out)


@functools.cache
def stylesheet() -> str:
    """The CSS of every palette, extracted from pygal once and scoped to ``.pygal-chart.<palette>``."""
    parts = []
    for palette in STYLES:
        chart = pygal.Bar(**_config(palette))
        for i in range(16):
            chart.add(str(i), [1])
        svg = chart.render(is_unicode=True)
        root = etree.fromstring(svg.encode("utf-8"))
        css = "".join(node.text or "" for node in root.iter() if isinstance(node.tag, str)
                      and etree.QName(node).localname == "style")
        parts.append(_prefix_css(css, f".pygal-chart.{palette}"))
    # Scale with the container, but not beyond ~1.3× on a wide screen (text stays readable).
    parts.append(".pygal-chart{width:100%;max-width:620px;height:auto;display:block;margin:0 auto}")
    return "\n".join(parts) + "\n"
