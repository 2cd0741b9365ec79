"""Charts as SVG markup, drawn on the server: the same string serves a page and a PDF, and needs no JavaScript.

This module knows no model: it takes labels (plain strings, possibly typed by users) and `Decimal` amounts and
returns an SVG string. Every chart

- is `role="img"` with a `<title>` and a `<desc>` that give its content in words, the figures formatted by
  `commissioning.money.format_pounds`, so a screen reader hears what a sighted reader sees;
- writes each value as text beside its bar, so no figure is told by colour alone;
- uses GOV.UK palette colours that reach 3:1 against white (WCAG 1.4.11), and black text;
- has a fixed `viewBox` and no fixed size, so it scales to its container;
- is built with ElementTree, which escapes every label and attribute: a partner called `<script>` is drawn as
  those characters, never as markup.

Bar lengths are whole pixels computed from the amounts with `Decimal` arithmetic, rounded half-up: no bar is
longer than the plot area, and a larger amount never gets a shorter bar. A negative amount draws no bar (its
value is still written). With nothing to draw, a chart says so rather than dividing by zero.

The charts add to a table of the same figures, which stays the accessible source of truth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree as ET

from commissioning.money import ZERO, format_pounds

SVG_NS = "http://www.w3.org/2000/svg"

# GOV.UK Frontend's palette; each reaches at least 3:1 against white, the bars' background.
BLACK = "#0b0c0c"
DARK_GREY = "#505a5f"
BLUE = "#1d70b8"
GREEN = "#00703c"
PURPLE = "#4c2c92"
RED = "#d4351c"
WHITE = "#ffffff"
SERIES_COLOURS = (BLUE, GREEN, PURPLE, DARK_GREY, RED)

WIDTH = 640  # the viewBox width; a chart scales from it
PLOT_WIDTH = 440  # the longest bar; the rest of the row holds its value
MARGIN = 8
FONT_SIZE = 14
HEADING_SIZE = 16
BAR_HEIGHT = 20
LABEL_GAP = 4  # between a bar's label and the bar
ROW_GAP = 12  # after a bar
GROUP_GAP = 12  # before a group heading (except the first)

_PIXEL = Decimal(1)
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    colour: str = BLUE


@dataclass(frozen=True)
class BarGroup:
    """Bars drawn together under one heading (one financial year of a grouped chart)."""

    label: str
    bars: Sequence[Bar]


# Arithmetic ------------------------------------------------------------------------------------------------------


def bar_length(value: Decimal, largest: Decimal, plot_width: int = PLOT_WIDTH) -> int:
    """The bar of `value` in whole pixels when `largest` fills `plot_width`: value × width ÷ largest, half-up.

    0 for a zero or negative value, or when there is no largest value; never more than `plot_width` for a value
    up to `largest`; a larger value never gets a shorter bar.
    """
    if largest <= 0 or value <= 0:
        return 0
    return int((value * plot_width / largest).quantize(_PIXEL, rounding=ROUND_HALF_UP))


def share_text(part: Decimal, whole: Decimal) -> str:
    """`part` as a percentage of `whole`, half-up to one decimal place and without a trailing `.0`: `68%`,
    `12.5%`. Empty when there is no whole to be a share of."""
    if whole <= 0:
        return ""
    share = (part * _HUNDRED / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{share:f}".removesuffix(".0")
    return f"{text}%"


def _total(values: Sequence[Decimal]) -> Decimal:
    return sum(values, ZERO)


# Building the markup ----------------------------------------------------------------------------------------------


def _svg(chart_id: str, title: str, desc: str, height: int) -> ET.Element:
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "class": "app-chart__svg",
            "role": "img",
            "viewBox": f"0 0 {WIDTH} {height}",
            "width": "100%",
            # The service's font (GOV.UK Frontend built with Arial); a page's or PDF's CSS may override it.
            "font-family": "arial, sans-serif",
            # Named by its title, described by its figures in words (a screen reader reads both).
            "aria-labelledby": f"{chart_id}-title",
            "aria-describedby": f"{chart_id}-desc",
            "id": chart_id,
        },
    )
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{chart_id}-desc"}).text = desc
    return svg


def _text(parent: ET.Element, x: int, y: int, text: str, *, size: int = FONT_SIZE, bold: bool = False) -> None:
    attributes = {"x": str(x), "y": str(y), "font-size": str(size), "fill": BLACK}
    if bold:
        attributes["font-weight"] = "bold"
    ET.SubElement(parent, "text", attributes).text = text


def _rect(parent: ET.Element, x: int, y: int, width: int, height: int, fill: str, **extra: str) -> None:
    attributes = {"x": str(x), "y": str(y), "width": str(width), "height": str(height), "fill": fill}
    attributes.update({key.replace("_", "-"): value for key, value in extra.items()})
    ET.SubElement(parent, "rect", attributes)


def _markup(svg: ET.Element) -> str:
    return ET.tostring(svg, encoding="unicode", short_empty_elements=True)


def _nothing_to_show(chart_id: str, title: str, reason: str) -> str:
    svg = _svg(chart_id, title, f"Nothing to show: {reason}", 40)
    _text(svg, MARGIN, 26, f"Nothing to show: {reason}")
    return _markup(svg)


def _bar_rows(svg: ET.Element, bars: Sequence[tuple[Bar, str]], largest: Decimal, y: int) -> int:
    """Draws each bar under its label with its value text after it; returns the y below the last row."""
    for bar, value_text in bars:
        y += FONT_SIZE
        _text(svg, MARGIN, y, bar.label)
        y += LABEL_GAP
        length = bar_length(bar.value, largest)
        if length:
            _rect(svg, MARGIN, y, length, BAR_HEIGHT, bar.colour)
        _text(svg, MARGIN + length + 6, y + BAR_HEIGHT - 5, value_text)
        y += BAR_HEIGHT + ROW_GAP
    return y


# The charts -------------------------------------------------------------------------------------------------------


def grouped_bar_chart(
    *, chart_id: str, title: str, groups: Sequence[BarGroup], empty: str, with_totals: bool = True
) -> str:
    """Horizontal bars in groups, each group under a heading with its total, all on one scale.

    `empty` says why there is nothing to show when no bar has a positive value. `with_totals=False` leaves the
    totals out, for bars that are different measures of the same money (a plan and what is secured against it)
    and so have no meaningful sum.
    """
    values = [bar.value for group in groups for bar in group.bars]
    largest = max(values, default=ZERO)
    if largest <= 0:
        return _nothing_to_show(chart_id, title, empty)
    sentences = []
    for group in groups:
        parts = ", ".join(f"{bar.label} {format_pounds(bar.value)}" for bar in group.bars)
        if with_totals:
            total = format_pounds(_total([bar.value for bar in group.bars]))
            sentences.append(f"{group.label}: {parts}; {total} in all.")
        else:
            sentences.append(f"{group.label}: {parts}.")
    rows = sum(len(group.bars) for group in groups)
    height = (
        MARGIN
        + len(groups) * (HEADING_SIZE + LABEL_GAP)
        + (len(groups) - 1) * GROUP_GAP
        + rows * (FONT_SIZE + LABEL_GAP + BAR_HEIGHT + ROW_GAP)
    )
    svg = _svg(chart_id, title, " ".join(sentences), height)
    y = MARGIN
    for index, group in enumerate(groups):
        if index:
            y += GROUP_GAP
        y += HEADING_SIZE
        heading = group.label
        if with_totals:
            heading = f"{group.label}: {format_pounds(_total([bar.value for bar in group.bars]))} in all"
        _text(svg, MARGIN, y, heading, size=HEADING_SIZE, bold=True)
        y += LABEL_GAP
        y = _bar_rows(svg, [(bar, format_pounds(bar.value)) for bar in group.bars], largest, y)
    return _markup(svg)


def share_bar_chart(*, chart_id: str, title: str, intro: str, bars: Sequence[Bar], empty: str) -> str:
    """Horizontal bars of the parts of a whole, each with its amount and its share of the total (the sum of the
    bars), the longest bar for the largest part. `intro` opens the description ("Allocated in 2013/14")."""
    total = _total([bar.value for bar in bars])
    largest = max((bar.value for bar in bars), default=ZERO)
    if largest <= 0 or total <= 0:
        return _nothing_to_show(chart_id, title, empty)

    def value_text(bar: Bar) -> str:
        share = share_text(bar.value, total)
        return f"{format_pounds(bar.value)} ({share})" if share else format_pounds(bar.value)

    parts = "; ".join(f"{bar.label} {value_text(bar)}" for bar in bars)
    desc = f"{intro}: {format_pounds(total)} in all. {parts}."
    height = MARGIN + len(bars) * (FONT_SIZE + LABEL_GAP + BAR_HEIGHT + ROW_GAP)
    svg = _svg(chart_id, title, desc, height)
    _bar_rows(svg, [(bar, value_text(bar)) for bar in bars], largest, MARGIN)
    return _markup(svg)


@dataclass(frozen=True)
class SecuredPosition:
    """Funding against a target: what is secured, what is provisional, and so what is still to find or how far
    beyond the target the two go. Negative figures count as nothing."""

    secured: Decimal
    provisional: Decimal
    target: Decimal

    @property
    def funded(self) -> Decimal:
        return max(self.secured, ZERO) + max(self.provisional, ZERO)

    @property
    def to_find(self) -> Decimal:
        """Target − secured − provisional, or nothing once they reach it."""
        return max(max(self.target, ZERO) - self.funded, ZERO)

    @property
    def beyond(self) -> Decimal:
        """Secured + provisional − target, or nothing while they fall short of it."""
        return max(self.funded - max(self.target, ZERO), ZERO)


def secured_target_chart(
    *,
    chart_id: str,
    title: str,
    position: SecuredPosition,
    secured_label: str = "Secured",
    provisional_label: str = "Provisional",
) -> str:
    """One bar against the target: secured, then provisional, then what is still to find, with the target marked.

    The scale is the target, or secured and provisional together where they pass it (then the chart says how far
    beyond the target they go, and nothing is still to find).
    """
    secured, provisional = max(position.secured, ZERO), max(position.provisional, ZERO)
    target, funded = max(position.target, ZERO), position.funded
    if target <= 0 and funded <= 0:
        return _nothing_to_show(chart_id, title, "no target is set and nothing is secured.")
    to_find, beyond = position.to_find, position.beyond
    scale = max(target, funded)

    legend = [(secured_label, secured, GREEN), (provisional_label, provisional, BLUE)]
    if beyond:
        gap_text = f"Beyond the target {format_pounds(beyond)}"
    else:
        gap_text = f"Still to find {format_pounds(to_find)}"
    desc = (
        f"{secured_label} {format_pounds(secured)}, {provisional_label.lower()} {format_pounds(provisional)}, "
        f"{gap_text[0].lower()}{gap_text[1:]}, against a target of {format_pounds(target)}."
    )
    bar_top = MARGIN + HEADING_SIZE + LABEL_GAP + 6
    bar_height = 32
    legend_top = bar_top + bar_height + 16
    height = legend_top + 3 * (FONT_SIZE + 10) + MARGIN
    svg = _svg(chart_id, title, desc, height)

    # Segments end at whole pixels of their running total, so together they fill exactly the funded part.
    plot = WIDTH - 2 * MARGIN
    left, running = MARGIN, ZERO
    for _, amount, colour in legend:
        running += amount
        right = MARGIN + bar_length(running, scale, plot)
        if right > left:
            _rect(svg, left, bar_top, right - left, bar_height, colour, stroke=WHITE, stroke_width="2")
        left = right
    if to_find:
        # Still to find: an outline, not a fill, so it reads apart from the funded part without colour.
        _rect(
            svg,
            left,
            bar_top,
            MARGIN + plot - left,
            bar_height,
            WHITE,
            stroke=DARK_GREY,
            stroke_width="2",
            stroke_dasharray="6 4",
        )
    if target:
        marker = MARGIN + bar_length(target, scale, plot)
        ET.SubElement(
            svg,
            "line",
            {
                "x1": str(marker),
                "y1": str(bar_top - 6),
                "x2": str(marker),
                "y2": str(bar_top + bar_height + 6),
                "stroke": BLACK,
                "stroke-width": "3",
            },
        )
    # The marker is named in the heading above the bar, which a long label could not overlap.
    _text(
        svg,
        MARGIN,
        MARGIN + HEADING_SIZE,
        f"Target {format_pounds(target)} (the black line)",
        size=HEADING_SIZE,
        bold=True,
    )

    y = legend_top
    for label, amount, colour in legend:
        _rect(svg, MARGIN, y, 16, 16, colour)
        _text(svg, MARGIN + 24, y + 13, f"{label} {format_pounds(amount)}")
        y += FONT_SIZE + 10
    if beyond:
        _text(svg, MARGIN + 24, y + 13, gap_text)
    else:
        _rect(svg, MARGIN + 1, y + 1, 14, 14, WHITE, stroke=DARK_GREY, stroke_width="2", stroke_dasharray="3 2")
        _text(svg, MARGIN + 24, y + 13, gap_text)
    return _markup(svg)


# The project's three charts, from plain data ----------------------------------------------------------------------

FUNDING_CHART_ID = "chart-funding-by-source"
ALLOCATION_CHART_ID = "chart-allocation"
SECURED_CHART_ID = "chart-secured-target"


def funding_by_source_chart(years: Sequence[tuple[str, Sequence[tuple[str, Decimal]]]]) -> str:
    """Funding by source per year: for each year label, its (source, amount) pairs, in the order given. The
    sources take the palette's colours by position, so a source keeps its colour from year to year."""
    groups = [
        BarGroup(
            label,
            [
                Bar(source, amount, SERIES_COLOURS[index % len(SERIES_COLOURS)])
                for index, (source, amount) in enumerate(sources)
            ],
        )
        for label, sources in years
    ]
    return grouped_bar_chart(
        chart_id=FUNDING_CHART_ID,
        title="Funding by source per year",
        groups=groups,
        empty="no funding has been recorded for any year.",
    )


def allocation_chart(
    year_label: str, streams: Sequence[tuple[str, Decimal]], *, chart_id: str = ALLOCATION_CHART_ID
) -> str:
    """Allocation by work-stream for one year: each stream's amount and share of the year's allocations.
    `chart_id` tells apart several years' charts in one document."""
    return share_bar_chart(
        chart_id=chart_id,
        title=f"Allocation by work-stream, {year_label}",
        intro=f"Allocated to work-streams in {year_label}",
        bars=[Bar(name, amount) for name, amount in streams],
        empty=f"nothing has been allocated to a work-stream in {year_label}.",
    )


def secured_vs_target_chart(position: SecuredPosition, *, provisional_label: str = "Provisional") -> str:
    """Secured and provisional funding against the commission's target, and what is still to find."""
    return secured_target_chart(
        chart_id=SECURED_CHART_ID,
        title="Secured against the target",
        position=position,
        provisional_label=provisional_label,
    )


# The dashboard's charts, from plain data ---------------------------------------------------------------------------

POSITION_CHART_ID = "chart-funding-position"
ARREARS_CHART_ID = "chart-arrears"
RESERVES_CHART_ID = "chart-reserves"
OUTTURN_CHART_ID = "chart-outturn"

Series = Sequence[tuple[str, Sequence[tuple[str, Decimal]]]]


# The funding position's figures keep their meaning's colour: a shortfall red, a surplus green like secured money.
POSITION_COLOURS = {
    "Plan": DARK_GREY,
    "Requested": BLUE,
    "Secured": GREEN,
    "Provisional": PURPLE,
    "Shortfall": RED,
    "Surplus": GREEN,
}


def _series_groups(groups: Series, colours: Mapping[str, str] | None = None) -> list[BarGroup]:
    """Groups of (figure, amount) pairs as bar groups, each figure keeping one colour in every group: the one
    `colours` gives it, else the palette's colours by the order in which the figures first appear."""
    colours = dict(colours or {})
    for _, figures in groups:
        for figure, _ in figures:
            colours.setdefault(figure, SERIES_COLOURS[len(colours) % len(SERIES_COLOURS)])
    return [
        BarGroup(label, [Bar(figure, amount, colours[figure]) for figure, amount in figures])
        for label, figures in groups
    ]


def funding_position_chart(years: Series, *, chart_id: str = POSITION_CHART_ID) -> str:
    """The funding position per year: for each year label, its figures (plan, requested, secured, provisional,
    shortfall or surplus) in the order given. They measure the same money, so a year shows no total."""
    return grouped_bar_chart(
        chart_id=chart_id,
        title="Funding position per year",
        groups=_series_groups(years, POSITION_COLOURS),
        empty="no plan, request or funding has been recorded for any year.",
        with_totals=False,
    )


def stream_outturn_chart(year_label: str, streams: Series, *, chart_id: str = OUTTURN_CHART_ID) -> str:
    """Each work-stream's allocation, forecast and actual spend for one year, as (stream, figures) pairs.
    `chart_id` tells apart several years' charts on one page."""
    return grouped_bar_chart(
        chart_id=chart_id,
        title=f"Allocation, forecast and actual spend by work-stream, {year_label}",
        groups=_series_groups(streams),
        empty=f"nothing has been allocated, forecast or spent on a work-stream in {year_label}.",
        with_totals=False,
    )


def arrears_chart(partners: Sequence[tuple[str, Decimal]], *, chart_id: str = ARREARS_CHART_ID) -> str:
    """What each partner has pledged and not yet paid, over all years, and its share of the arrears."""
    return share_bar_chart(
        chart_id=chart_id,
        title="Arrears by partner",
        intro="Pledged and not yet received",
        bars=[Bar(name, amount, RED) for name, amount in partners],
        empty="every pledge has been received in full.",
    )


def reserves_chart(reserves: Series, *, chart_id: str = RESERVES_CHART_ID) -> str:
    """Each reserve's figures (opening balance, drawn, balance, available …) in the order given, with no total."""
    return grouped_bar_chart(
        chart_id=chart_id,
        title="Reserve balances",
        groups=_series_groups(reserves),
        empty="the commission has no reserve with a balance or a drawdown.",
        with_totals=False,
    )
