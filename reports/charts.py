"""
The report's small charts (matplotlib, drawn at their printed size): each key rate of the unit beside its
province, its région and Morocco as dots on one scale, and the age pyramid of the unit over Morocco's. They
draw the figures the query layer serves and compute none.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd

from observatory import i18n
from observatory.enums import STATUSES
from observatory.formatting import number

from .figures import AGE_GROUP
from .maps import DPI, FONTS, WIDTH_IN, _plain, _png
from .naming import dated, script

#: The unit's dot, then its province's, its région's and Morocco's (as many as the report compares).
MARKS = (("o", "#08306b", 7), ("s", "#6baed6", 5), ("^", "#fd8d3c", 5.5), ("D", "#636363", 4.5))
MEN, WOMEN = "#6baed6", "#fc9272"
#: How many characters of a rate's label fit on a line of its column, by script (Naskh is narrower).
LABEL_CHARS = {"Latn": 44, "Arab": 56}


def _pyplot(lang: str) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["font.family"] = FONTS.get(script(lang), FONTS["Latn"])
    import matplotlib.pyplot as plt

    return plt


def age_label(indicator_id: str) -> str:
    """An age group as a reader writes it: '0–4', '75+'."""
    match = AGE_GROUP.match(indicator_id)
    if match is None:
        return indicator_id
    return f"{match[1]}+" if match[2] == "plus" else f"{match[1]}–{match[2]}"


def profile_png(
    rates: Sequence[tuple[str, Sequence[float | None]]],
    names: Sequence[str],
    ages: pd.DataFrame,
    unit_code: str,
    *,
    lang: str,
    words: dict[str, str],
    dpi: int = DPI,
) -> bytes:
    """
    Two panels side by side: each rate (label, then the unit's value and each comparison's, in percent)
    as dots on one 0-100 scale, and the unit's age pyramid (bars, men left, women right) over Morocco's
    (outline). `names` names the unit and each comparison; `ages` holds `age_structure` rows.
    """
    plt = _pyplot(lang)
    rtl = i18n.is_rtl(lang)
    height = max(0.21 * len(rates) + 0.75, 2.3)
    fig = plt.figure(figsize=(WIDTH_IN, height), dpi=dpi)
    # shares of the width: the rates' labels, their scale, and the pyramid (on an Arabic page the labels
    # stand on the right and the pyramid on the left)
    labels_w, dots_w, pyramid_w = 0.34, 0.36, 0.2
    dots_x, pyramid_x = (0.3, 0.05) if rtl else (labels_w, 1 - pyramid_w - 0.02)
    left = fig.add_axes((dots_x, 0.22, dots_w, 0.7))
    right = fig.add_axes((pyramid_x, 0.22, pyramid_w, 0.7))
    _dots(left, rates, names, lang, rtl)
    _pyramid(right, ages, unit_code, names, lang, words)
    return _png(fig, dpi)


def _percent_axis(ax: Any, lang: str, *, absolute: bool = False) -> None:
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _: Any) -> str:
        return _plain(number(abs(value) if absolute else value, lang, decimals=0)) + "%"

    ax.xaxis.set_major_formatter(FuncFormatter(fmt))
    ax.tick_params(labelsize=6.5, length=2)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _known(value: float | None) -> bool:
    return value is not None and value == value


def _dots(
    ax: Any, rates: Sequence[tuple[str, Sequence[float | None]]], names: Sequence[str], lang: str, rtl: bool
) -> None:
    """Each rate on a line, its dots on one 0-100 scale, the unit's largest and drawn last."""
    n = len(rates)
    # Morocco keeps its mark in every report, the région and province theirs
    marks = [MARKS[0], *MARKS[len(MARKS) - len(names) + 1 :]]
    ax.hlines(range(n), 0, 100, color="#eeeeee", linewidth=0.8, zorder=0)
    for i in reversed(range(len(marks))):  # the unit's dots drawn last, over the others
        shown = [(x, n - 1 - y) for y, (_, values) in enumerate(rates) if _known(x := values[i])]
        marker, colour, size = marks[i]
        ax.plot(
            [x for x, _ in shown],
            [y for _, y in shown],
            marker=marker,
            color=colour,
            markersize=size,
            linestyle="",
            zorder=3,
        )
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_yticks(range(n))
    width = LABEL_CHARS.get(script(lang), LABEL_CHARS["Latn"])
    ax.set_yticklabels([textwrap.fill(label, width) for label, _ in reversed(rates)], fontsize=6)
    if rtl:
        ax.yaxis.tick_right()
    ax.tick_params(axis="y", length=0)
    _percent_axis(ax, lang)
    handles = [ax.plot([], [], marker=m, color=c, markersize=s, linestyle="")[0] for m, c, s in marks]
    ax.legend(
        handles,
        list(names),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=len(names),
        fontsize=6.5,
        frameon=False,
        handletextpad=0.2,
        columnspacing=1.0,
    )


def _pyramid(
    ax: Any, ages: pd.DataFrame, unit_code: str, names: Sequence[str], lang: str, words: dict[str, str]
) -> None:
    """The unit's share of each age group by sex as bars (men to the left), Morocco's as an outline."""
    groups = list(dict.fromkeys(ages["indicator_id"]))
    order = {g: i for i, g in enumerate(groups)}
    for unit, style in ((unit_code, "bar"), ("MA", "line")):
        for sex, sign, colour in (("male", -1, MEN), ("female", 1, WOMEN)):
            part = ages[(ages["unit_code"] == unit) & (ages["sex"] == sex)]
            y = part["indicator_id"].map(order).to_numpy()
            x = sign * part["value"].to_numpy(dtype="float64")
            if style == "bar":
                ax.barh(y, x, height=0.85, color=colour, linewidth=0, zorder=2)
            else:
                ax.step(x[y.argsort()], sorted(y), where="mid", color="#333333", linewidth=0.8, zorder=3)
    reach = float(ages["value"].max()) * 1.15 if len(ages) else 1.0
    ax.set_xlim(-reach, reach)
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels([age_label(g) for g in groups], fontsize=5.5)
    ax.tick_params(axis="y", length=0)
    ax.axvline(0, color="#999999", linewidth=0.5)
    _percent_axis(ax, lang, absolute=True)
    top = len(groups) - 0.2
    ax.text(-reach * 0.95, top, words["sex_male"], fontsize=6.5, ha="left", va="bottom", color="#2171b5")
    ax.text(reach * 0.95, top, words["sex_female"], fontsize=6.5, ha="right", va="bottom", color="#cb181d")
    ax.set_ylim(-0.6, len(groups) + 0.6)
    ax.set_title(words["age_pyramid"].format(morocco=names[-1]), fontsize=6.5, loc="center", pad=2)


#: Statuses a rate is charted with: what is neither simulated nor a scenario (no estimate, no fact).
CHARTED = tuple(s for s in STATUSES if s not in ("simulated", "scenario"))


def profile_chart(v: Any) -> bytes | None:
    """The key rates of a report's unit beside its comparisons, and its age pyramid (None when the report
    has neither); `v` is the report's `View`."""
    c = v.c
    figures = c.key_figures
    rows = figures[
        (figures["sex"] == "all")
        & (figures["area"] == "total")
        & (figures["unit"] == "percent")
        & figures["status"].isin(CHARTED)
    ]
    compared = [f"compare_{i}" for i in range(len(v.compare))]
    rates = [
        (dated(r["label"], r["year"]), [r["value"], *(r[k] for k in compared)])
        for r in rows.to_dict("records")
    ]
    if not rates and not len(c.ages):
        return None
    return profile_png(rates, [c.name, *v.compare], c.ages, c.code, lang=c.lang, words=c.text)
