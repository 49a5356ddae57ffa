"""
Static choropleth maps for printed reports (matplotlib, no network): classes from
`observatory.classify` (the app's classes), a legend, a scale bar and a north arrow. Text on the
image is numbers only, so Arabic titles are set by the HTML around it, where they are shaped.
"""

from __future__ import annotations

import io
import math
import warnings

import numpy as np
import pandas as pd

from observatory.classify import classify

#: Light to dark; the dark end is always "worse" so maps read the same way.
PALETTE = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
MISSING = "#d9d9d9"


def _nice(length_km: float) -> float:
    """A round scale-bar length (1, 2, 5 x 10^n km) no longer than `length_km`."""
    exponent = 10 ** math.floor(math.log10(length_km))
    return max(m * exponent for m in (1, 2, 5) if m * exponent <= length_km)


def _number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def choropleth_png(
    geometry: pd.DataFrame,
    values: pd.Series,
    *,
    higher_is_worse: bool = True,
    unit: str = "",
    highlight: str | None = None,
    missing_label: str = "n/a",
    width_in: float = 6.6,
    dpi: int = 120,
) -> bytes:
    """
    A PNG map of `values` (indexed by commune code) over `geometry` (a GeoDataFrame with `code`),
    with a legend of class intervals, a scale bar and a north arrow.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    frame = geometry.reset_index(drop=True)
    series = pd.to_numeric(values, errors="coerce").reindex(frame["code"]).to_numpy(dtype="float64")
    with warnings.catch_warnings():  # few communes (a commune report): mapclassify says it uses fewer classes
        warnings.simplefilter("ignore", UserWarning)
        classes = classify(series, scheme="quantiles", k=5)
    palette = list(PALETTE if higher_is_worse else PALETTE[::-1])
    colours = np.array([MISSING] * len(frame), dtype=object)
    if classes.k:
        step = (len(palette) - 1) / max(classes.k - 1, 1)
        shades = [palette[round(i * step)] for i in range(classes.k)]
        for i, shade in enumerate(shades):
            colours[classes.classes == i] = shade
    else:
        shades = []

    minx, miny, maxx, maxy = frame.total_bounds
    mid_lat = (miny + maxy) / 2
    aspect = 1 / math.cos(math.radians(mid_lat))
    span_x, span_y = max(maxx - minx, 1e-6), max((maxy - miny) * aspect, 1e-6)
    height_in = min(max(width_in * span_y / span_x, 3.2), 8.0)
    fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=dpi)
    frame.plot(ax=ax, color=list(colours), edgecolor="white", linewidth=0.3)
    if highlight is not None and highlight in set(frame["code"]):
        frame[frame["code"] == highlight].boundary.plot(ax=ax, color="#08306b", linewidth=1.6)
    ax.set_aspect(aspect)
    ax.set_axis_off()
    pad_x, pad_y = (maxx - minx) * 0.04, (maxy - miny) * 0.04
    ax.set_xlim(minx - pad_x, maxx + pad_x)
    ax.set_ylim(miny - pad_y * 3, maxy + pad_y)

    # Scale bar, bottom left: kilometres along the parallel at the bar's latitude.
    km_per_degree = 111.32 * math.cos(math.radians(miny))
    bar_km = _nice((maxx - minx) * km_per_degree / 4)
    bar_deg = bar_km / km_per_degree
    x0, y0 = minx, miny - pad_y * 2
    ax.plot([x0, x0 + bar_deg], [y0, y0], color="black", linewidth=2.5, solid_capstyle="butt")
    ax.plot([x0, x0 + bar_deg / 2], [y0, y0], color="white", linewidth=1.2, solid_capstyle="butt")
    ax.text(x0 + bar_deg / 2, y0 + pad_y * 0.6, f"{bar_km:g} km", ha="center", va="bottom", fontsize=7)

    # North arrow, top right.
    ax.annotate("N", xy=(0.96, 0.97), xytext=(0.96, 0.86), xycoords="axes fraction", ha="center", va="center",
                fontsize=9, fontweight="bold", arrowprops={"facecolor": "black", "width": 3, "headwidth": 9,
                                                            "headlength": 8})

    suffix = "%" if unit == "percent" else (f" {unit}" if unit and unit != "people" else "")
    handles = [Patch(facecolor=shade, edgecolor="#999", label=f"{_number(lo)} – {_number(hi)}{suffix}")
               for shade, (lo, hi) in zip(shades, classes.intervals())]
    if (classes.classes == -1).any():
        handles.append(Patch(facecolor=MISSING, edgecolor="#999", label=missing_label))
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=True, framealpha=0.9, title_fontsize=7)
    fig.tight_layout(pad=0.2)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()
